//! The image of a Docker run, made present according to its pull policy.

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::query_parameters::CreateImageOptionsBuilder;
use futures::StreamExt;

use super::docker_host;
use crate::runner::error::RunnerError;
use crate::runner::spec::PullPolicy;

/// Makes `image` present: inspect, then pull if the policy asks for it.
pub(super) async fn ensure(
    docker: &Docker,
    image: &str,
    policy: PullPolicy,
) -> Result<(), RunnerError> {
    let present = is_present(docker, image).await?;
    match policy {
        PullPolicy::Never if !present => Err(RunnerError::ImageMissing {
            image: image.to_owned(),
            host: docker_host(),
        }),
        PullPolicy::IfNotPresent if !present => pull(docker, image).await,
        PullPolicy::Always => pull(docker, image).await,
        PullPolicy::Never | PullPolicy::IfNotPresent => Ok(()),
    }
}

async fn is_present(docker: &Docker, image: &str) -> Result<bool, RunnerError> {
    match docker.inspect_image(image).await {
        Ok(_) => Ok(true),
        Err(DockerError::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(false),
        Err(error) => Err(RunnerError::Docker {
            operation: "inspect image",
            target: image.to_owned(),
            reason: error.to_string(),
        }),
    }
}

async fn pull(docker: &Docker, image: &str) -> Result<(), RunnerError> {
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
