//! poco-worker's integration tests: the container engine (needs Podman: POCO_TEST_DOCKER_HOST),
//! and the replicate driver against a dev chain, the demo image and a scripted scheduler and
//! result storage over HTTP.

mod common;
mod driver;
mod engine;
mod env;
mod inputs;
mod stub;
