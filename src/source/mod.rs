//! Git with git2 (clone, fetch, tree at commit, diff), local watch with notify, and push-webhook
//! signature checks.
