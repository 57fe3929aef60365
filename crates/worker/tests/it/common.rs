//! Shared test helpers: the engine from POCO_TEST_DOCKER_HOST.

use poco_worker::{Engine, EngineChoice};
use std::sync::Arc;

/// The test engine, or None (printing "skipped: no engine") when POCO_TEST_DOCKER_HOST is
/// unset; under CI=true a missing engine fails the test.
pub(crate) async fn engine() -> Option<Arc<Engine>> {
    let Ok(url) = std::env::var("POCO_TEST_DOCKER_HOST") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but POCO_TEST_DOCKER_HOST is unset: start Podman (scripts/podman.sh start)"
        );
        println!("skipped: no engine");
        return None;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = poco_worker::engine::discover(EngineChoice::Url(url), dir.path())
        .await
        .expect("the test engine answers");
    Some(Arc::new(engine))
}

/// Loads the demo image; returns its Id.
pub(crate) async fn demo_image(engine: &Engine) -> String {
    engine
        .load_image(poco_demo_app::image_archive(poco_demo_app::REFERENCE))
        .await
        .expect("the demo image loads")
}
