//! Console settings kept in the database: the engineer profile and the UI language.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreResult};
use crate::model::{EngineerProfile, NetworkSettings, TeamDatabaseSettings};

const PROFILE_KEY: &str = "engineer_profile";
const LANGUAGE_KEY: &str = "ui_language";
const NETWORK_KEY: &str = "network";
const TEAM_DATABASE_KEY: &str = "team_database";

impl Store {
    /// A raw setting.
    pub fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| row.get(0)).optional()?)
    }

    /// Stores a raw setting.
    pub fn set_setting(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
    }

    /// The engineer profile, if one was saved (a damaged value counts as none).
    pub fn engineer_profile(&self) -> StoreResult<Option<EngineerProfile>> {
        Ok(self.setting(PROFILE_KEY)?.and_then(|text| serde_json::from_str(&text).ok()))
    }

    /// Saves the engineer profile.
    pub fn set_engineer_profile(&mut self, profile: &EngineerProfile) -> StoreResult<()> {
        let text = serde_json::to_string(profile).unwrap_or_default();
        self.set_setting(PROFILE_KEY, &text)
    }

    /// The saved network settings (defaults when none or damaged).
    pub fn network_settings(&self) -> StoreResult<NetworkSettings> {
        Ok(self.setting(NETWORK_KEY)?.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default())
    }

    /// Saves the network settings after checking them.
    pub fn set_network_settings(&mut self, settings: &NetworkSettings) -> StoreResult<NetworkSettings> {
        settings.validate()?;
        let settings = NetworkSettings {
            session_port: settings.session_port,
            advertised_host: settings.advertised_host.trim().to_owned(),
            turn_url: settings.turn_url.trim().to_owned(),
            turn_username: settings.turn_username.trim().to_owned(),
            ..settings.clone()
        };
        self.set_setting(NETWORK_KEY, &serde_json::to_string(&settings).unwrap_or_default())?;
        Ok(settings)
    }

    /// The chosen UI language code ("en", "zh"), or `None` to follow the system.
    pub fn ui_language(&self) -> StoreResult<Option<String>> {
        self.setting(LANGUAGE_KEY)
    }

    /// Saves the UI language code; `None` follows the system locale.
    pub fn set_ui_language(&mut self, code: Option<&str>) -> StoreResult<()> {
        match code {
            Some(code) => self.set_setting(LANGUAGE_KEY, code),
            None => self.write(|tx| {
                tx.execute("DELETE FROM settings WHERE key = ?1", [LANGUAGE_KEY])?;
                Ok(())
            }),
        }
    }

    /// The team database this console uses, if one was chosen (a damaged value counts as none).
    pub fn team_database(&self) -> StoreResult<Option<TeamDatabaseSettings>> {
        Ok(self.setting(TEAM_DATABASE_KEY)?.and_then(|text| serde_json::from_str(&text).ok()))
    }

    /// Saves the team database choice after checking its form; `None` goes back to this
    /// console's own desk. The file is readable by its owner only (the URL may hold a password).
    pub fn set_team_database(&mut self, settings: Option<&TeamDatabaseSettings>) -> StoreResult<()> {
        match settings {
            Some(settings) => {
                settings.validate().map_err(|err| super::StoreError::Rule(err.to_string()))?;
                let settings = TeamDatabaseSettings { url: settings.url.trim().to_owned(), tls: settings.tls };
                self.set_setting(TEAM_DATABASE_KEY, &serde_json::to_string(&settings).unwrap_or_default())
            }
            None => self.write(|tx| {
                tx.execute("DELETE FROM settings WHERE key = ?1", [TEAM_DATABASE_KEY])?;
                Ok(())
            }),
        }
    }
}
