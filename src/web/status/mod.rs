//! Status pages.
