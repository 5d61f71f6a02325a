use thiserror::Error;

/// Why a domain value could not be built. Each variant names the field and the offending input.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum KernelError {
    #[error("{field}不能为空")]
    Empty { field: &'static str },
    #[error("{field}“{value}”无效：{reason}")]
    Invalid {
        field: &'static str,
        value: String,
        reason: String,
    },
}

impl KernelError {
    pub(crate) fn invalid(
        field: &'static str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            field,
            value: value.into(),
            reason: reason.into(),
        }
    }
}
