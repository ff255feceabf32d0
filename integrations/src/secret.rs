//! Credentials: referenced from the configuration as `{env: NAME}` or `{file: PATH}`, never inline.
//!
//! A [`Secret`] prints as `***` in `Debug` and `Display`, so it cannot leak through logs, errors or
//! reports by accident; [`Secret::scrub`] removes a secret's value from text that came back from a
//! vendor (an error body that echoes a token, say) before that text goes anywhere.

use serde::Deserialize;
use std::path::PathBuf;

/// Where a secret comes from.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SecretRef {
    /// An environment variable of the riposte process.
    Env(String),
    /// A file readable by riposte (for example a systemd credential); surrounding whitespace is trimmed.
    File(PathBuf),
}

impl std::fmt::Display for SecretRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretRef::Env(n) => write!(f, "environment variable {n}"),
            SecretRef::File(p) => write!(f, "file {}", p.display()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "{what} is not set: export it in riposte's environment (systemd: `Environment=` or `EnvironmentFile=`)"
    )]
    MissingEnv { what: String },
    #[error("cannot read {what}: {why}; check the path and that the riposte user may read it")]
    File { what: String, why: String },
    #[error("{what} is empty")]
    Empty { what: String },
}

impl SecretRef {
    /// Reads the secret now. Errors say where it was looked for, never what it is.
    pub fn load(&self) -> Result<Secret, SecretError> {
        let what = self.to_string();
        let v = match self {
            SecretRef::Env(n) => {
                std::env::var(n).map_err(|_| SecretError::MissingEnv { what: what.clone() })?
            }
            SecretRef::File(p) => std::fs::read_to_string(p)
                .map_err(|e| SecretError::File {
                    what: what.clone(),
                    why: e.kind().to_string(),
                })?
                .trim()
                .to_owned(),
        };
        if v.is_empty() {
            return Err(SecretError::Empty { what });
        }
        Ok(Secret(v))
    }
}

/// A secret value. Only [`Secret::expose`] reveals it, at the point it is put on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(v: impl Into<String>) -> Secret {
        Secret(v.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// `text` with every occurrence of this secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_owned();
        }
        text.replace(&self.0, "***")
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2-token");
        assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
        assert_eq!(s.scrub("bad token hunter2-token!"), "bad token ***!");
    }

    #[test]
    fn missing_env_names_the_variable_not_a_value() {
        let e = SecretRef::Env("RIPOSTE_TEST_SURELY_UNSET_VAR".into())
            .load()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("RIPOSTE_TEST_SURELY_UNSET_VAR is not set"),
            "{e}"
        );
    }

    #[test]
    fn file_secret_is_trimmed() {
        let dir = state::scratch::TempDir::new("riposte-secret");
        let p = dir.join("secret");
        std::fs::write(&p, "  s3cret\n").unwrap();
        assert_eq!(
            SecretRef::File(p.clone()).load().unwrap().expose(),
            "s3cret"
        );
        std::fs::remove_file(p).unwrap();
    }
}
