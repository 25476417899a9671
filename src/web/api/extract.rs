//! Request extractors whose rejections are problem+json (axum's own answer in plain text), and
//! the paging parameters shared by list endpoints.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::problem::Problem;
use crate::store::Page;

/// Most results one page may hold.
pub const MAX_PAGE_SIZE: i64 = 200;
/// Results per page when `size` is not given.
pub const DEFAULT_PAGE_SIZE: i64 = 25;

/// Query parameters, rejected as a 400 problem.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| Problem::bad_request(e.body_text()))
    }
}

/// Path parameters, rejected as a 400 problem.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|e: PathRejection| Problem::bad_request(e.body_text()))
    }
}

/// `page` (1-based) and `size`, as Kestra names them.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Paging {
    /// 1-based page number.
    pub page: Option<i64>,
    /// Results per page (1..=200).
    pub size: Option<i64>,
}

impl Paging {
    /// The store page, or a 400 problem when out of range.
    pub fn to_page(self) -> Result<Page, Problem> {
        let page = self.page.unwrap_or(1);
        let size = self.size.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=1_000_000).contains(&page) {
            return Err(Problem::bad_request(format!(
                "page must be between 1 and 1000000, got {page}"
            )));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Problem::bad_request(format!(
                "size must be between 1 and {MAX_PAGE_SIZE}, got {size}"
            )));
        }
        Ok(Page {
            offset: (page - 1) * size,
            limit: size,
        })
    }
}
