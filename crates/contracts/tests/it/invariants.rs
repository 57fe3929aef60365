//! Property test: random sequences of protocol operations conserve value (hub RLC balance == SRLC supply; nothing negative).
