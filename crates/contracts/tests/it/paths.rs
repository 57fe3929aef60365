//! Every lifecycle path of the protocol, with every party's balance checked to the nRLC.
