//! The Get-help window's own settings: it has no ticket store, so the language the user chose
//! is kept in a small private file (0600) in the user's data folder and used at the next launch.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::ui::Lang;

/// File name of the Get-help settings in the data folder.
pub const ASSIST_SETTINGS_FILE: &str = "get-help-settings.json";

/// Why the settings could not be read or saved, in plain words.
#[derive(Debug, thiserror::Error)]
pub enum AssistSettingsError {
    /// The file exists but cannot be read.
    #[error("cannot read the Get-help settings in {path}: {source}")]
    Read {
        /// The settings file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a JSON object with a known language.
    #[error("the Get-help settings in {path} are damaged ({why}); the system language is used")]
    Damaged {
        /// The settings file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The file cannot be written.
    #[error("cannot save the Get-help settings in {path}: {source}")]
    Write {
        /// The settings file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The settings file of the Get-help window.
#[derive(Clone, Debug)]
pub struct AssistSettings {
    path: PathBuf,
}

impl AssistSettings {
    /// The settings in `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        Self { path: data_dir.join(ASSIST_SETTINGS_FILE) }
    }

    /// Where they live.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The language chosen last time; `None` when none was saved yet.
    pub fn load_lang(&self) -> Result<Option<Lang>, AssistSettingsError> {
        let Some(fields) = self.read()? else { return Ok(None) };
        match fields.get("lang") {
            None => Ok(None),
            Some(Value::String(code)) => Lang::from_code(code).map(Some).ok_or_else(|| AssistSettingsError::Damaged {
                path: self.path.clone(),
                why: format!("unknown language {code:?}"),
            }),
            Some(other) => Err(AssistSettingsError::Damaged {
                path: self.path.clone(),
                why: format!("language {other} is not text"),
            }),
        }
    }

    /// Saves the chosen language, keeping any other setting in the file. A damaged file is kept
    /// beside it (`….damaged`) before it is replaced. Written whole to a private temporary file,
    /// synced, then renamed over the old one: a crash leaves the old file or the new one.
    pub fn save_lang(&self, lang: Lang) -> Result<(), AssistSettingsError> {
        let write_error = |source| AssistSettingsError::Write { path: self.path.clone(), source };
        let mut fields = match self.read() {
            Ok(fields) => fields.unwrap_or_default(),
            Err(AssistSettingsError::Damaged { .. }) => {
                std::fs::copy(&self.path, self.path.with_extension("json.damaged")).map_err(write_error)?;
                Map::new()
            }
            Err(err) => return Err(err),
        };
        fields.insert("lang".into(), Value::String(lang.code().to_owned()));
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(write_error)?;
        }
        let temporary = self.path.with_extension("json.tmp");
        let mut text = Value::Object(fields).to_string();
        text.push('\n');
        let written = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)
            .and_then(|mut file| {
                // An old temporary file keeps its mode on open: make it private too.
                std::fs::set_permissions(&temporary, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
                file.write_all(text.as_bytes())?;
                file.sync_all()
            })
            .and_then(|()| std::fs::rename(&temporary, &self.path));
        if let Err(err) = written {
            std::fs::remove_file(&temporary).ok();
            return Err(write_error(err));
        }
        Ok(())
    }

    /// The file's fields; `None` when there is no file.
    fn read(&self) -> Result<Option<Map<String, Value>>, AssistSettingsError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) if err.kind() == std::io::ErrorKind::InvalidData => {
                return Err(AssistSettingsError::Damaged { path: self.path.clone(), why: "not UTF-8 text".into() });
            }
            Err(source) => return Err(AssistSettingsError::Read { path: self.path.clone(), source }),
        };
        match serde_json::from_str(&text) {
            Ok(Value::Object(fields)) => Ok(Some(fields)),
            Ok(_) => Err(AssistSettingsError::Damaged { path: self.path.clone(), why: "not a JSON object".into() }),
            Err(err) => Err(AssistSettingsError::Damaged { path: self.path.clone(), why: err.to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn the_chosen_language_is_read_back_from_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let settings = AssistSettings::new(dir.path());
        assert_eq!(settings.load_lang().unwrap(), None, "nothing saved yet");
        settings.save_lang(Lang::Zh).unwrap();
        assert_eq!(AssistSettings::new(dir.path()).load_lang().unwrap(), Some(Lang::Zh));
        let mode = std::fs::metadata(settings.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        settings.save_lang(Lang::En).unwrap();
        assert_eq!(settings.load_lang().unwrap(), Some(Lang::En));
        assert!(!settings.path().with_extension("json.tmp").exists());
    }

    #[test]
    fn other_settings_in_the_file_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let settings = AssistSettings::new(dir.path());
        std::fs::write(settings.path(), r#"{"lang":"en","later":42}"#).unwrap();
        settings.save_lang(Lang::Zh).unwrap();
        let saved: Value = serde_json::from_str(&std::fs::read_to_string(settings.path()).unwrap()).unwrap();
        assert_eq!(saved, serde_json::json!({ "lang": "zh", "later": 42 }));
    }

    #[test]
    fn a_damaged_file_is_reported_and_kept_aside_when_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let settings = AssistSettings::new(dir.path());
        std::fs::write(settings.path(), "{not json").unwrap();
        let err = settings.load_lang().unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
        settings.save_lang(Lang::Zh).unwrap();
        assert_eq!(settings.load_lang().unwrap(), Some(Lang::Zh));
        let kept = std::fs::read_to_string(settings.path().with_extension("json.damaged")).unwrap();
        assert_eq!(kept, "{not json");
        std::fs::write(settings.path(), r#"{"lang":"fr"}"#).unwrap();
        assert!(settings.load_lang().unwrap_err().to_string().contains("unknown language \"fr\""));
    }
}
