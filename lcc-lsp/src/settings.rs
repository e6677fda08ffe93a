//! The client's settings: `initializationOptions` and `workspace/didChangeConfiguration`
//! (`{ "verifyOnSave": bool, "verifyTimeBudgetMs": number }`, possibly inside `lcc`).

use std::time::Duration;

use serde_json::Value;

/// What the client configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Run the model checker when a file is saved.
    pub verify_on_save: bool,
    /// Time budget of one verification run.
    pub verify_time_budget: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            verify_on_save: true,
            verify_time_budget: Duration::from_millis(2000),
        }
    }
}

impl Settings {
    /// Takes the values present in `value` (or in its `lcc` member); others stay.
    pub fn update(&mut self, value: &Value) {
        let value = value.get("lcc").unwrap_or(value);
        if let Some(on) = value.get("verifyOnSave").and_then(Value::as_bool) {
            self.verify_on_save = on;
        }
        if let Some(ms) = value
            .get("verifyTimeBudgetMs")
            .and_then(Value::as_f64)
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
        {
            self.verify_time_budget = Duration::from_millis(ms as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_initialization_options_and_configuration_sections() {
        let mut settings = Settings::default();
        settings.update(&json!({ "verifyOnSave": false, "verifyTimeBudgetMs": 500 }));
        assert!(!settings.verify_on_save);
        assert_eq!(settings.verify_time_budget, Duration::from_millis(500));
        settings.update(&json!({ "lcc": { "verifyOnSave": true, "verifyTimeBudgetMs": "x" } }));
        assert!(settings.verify_on_save);
        assert_eq!(settings.verify_time_budget, Duration::from_millis(500));
    }
}
