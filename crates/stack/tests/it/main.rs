//! End-to-end tests of task execution: the whole stack in-process (chain, market, results,
//! scheduler, workers) with containers on a real engine (`POCO_TEST_DOCKER_HOST`, which
//! scripts/test.sh starts with Podman). Without an engine they say so and pass, except under
//! `CI=true`, where a missing engine fails them. They run one at a time (2 cores).

mod harness;

mod app_errors;
mod deadlines;
mod faults;
mod payments;
