//! The image of a Docker run: recognising the engine's "no such image" answer, and pulling.

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::query_parameters::CreateImageOptionsBuilder;
use futures::StreamExt;

use crate::runner::error::RunnerError;

/// True when a container create failed because the engine does not have the image (a 404
/// that names the image, as opposed to e.g. a missing network).
pub(super) fn is_missing(error: &DockerError) -> bool {
    matches!(
        error,
        DockerError::DockerResponseServerError { status_code: 404, message }
            if message.to_ascii_lowercase().contains("image")
    )
}

/// Pulls `image`, failing with the engine's message when the pull does.
pub(super) async fn pull(docker: &Docker, image: &str) -> Result<(), RunnerError> {
    let options = CreateImageOptionsBuilder::new().from_image(image).build();
    let mut progress = docker.create_image(Some(options), None, None);
    while let Some(step) = progress.next().await {
        let failed = |reason: String| RunnerError::PullFailed {
            image: image.to_owned(),
            reason,
        };
        let step = step.map_err(|error| failed(error.to_string()))?;
        if let Some(detail) = step.error_detail.and_then(|detail| detail.message) {
            return Err(failed(detail));
        }
    }
    Ok(())
}
