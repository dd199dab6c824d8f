//! How a failed host call stops the guest: the error a host function
//! returns to wasmtime carries a [`HostFailure`], which the instance turns
//! into `Error::Host`, naming the import.

/// Why a host call stopped the guest. Carried inside the wasmtime error
/// that the host function returns, and turned into `Error::Host`
/// by the instance.
#[derive(Debug)]
pub(crate) struct HostFailure {
    /// `module.name`.
    pub import: String,
    pub reason: String,
}

impl std::fmt::Display for HostFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "host function `{}`: {}", self.import, self.reason)
    }
}

impl std::error::Error for HostFailure {}

#[cold]
#[inline(never)]
pub(crate) fn fault(import: &str, reason: String) -> wasmtime::Error {
    wasmtime::Error::new(HostFailure {
        import: import.to_string(),
        reason,
    })
}

/// The error of an import that nothing implements (not in the guest's host
/// trait: TinyGo's JS runtime imports, imports of unusable types).
pub(crate) fn unlinked(import: String) -> wasmtime::Error {
    wasmtime::Error::new(HostFailure {
        import,
        reason: "no host function is linked for it (it is not part of the guest's host trait); \
                 the guest needs a host function here"
            .into(),
    })
}
