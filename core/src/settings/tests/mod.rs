//! `settings` tests, by topic; the helpers they share are here.

mod models;
mod parse;
mod routing;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::*;
use crate::catalog::{self, BillingPolicy, Features, ModelInfo, Price, Prices};

const SONNET: &str = "us.anthropic.claude-sonnet-4-6";
const GPT: &str = "openai.gpt-5.5";

fn parse_err(text: &str) -> SettingsError {
    match Settings::parse(text) {
        Ok(settings) => panic!("expected an error, got {settings:?}"),
        Err(e) => e,
    }
}

fn parse_ok(text: &str) -> Settings {
    match Settings::parse(text) {
        Ok(settings) => settings,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn route(text: &str, model: &str, region: Option<&str>) -> Result<Route, SettingsError> {
    parse_ok(text).route(model, &RouteInputs { region })
}

fn route_ok(text: &str, model: &str, region: Option<&str>) -> Route {
    match route(text, model, region) {
        Ok(r) => r,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn assert_never_printed(error: &SettingsError, secret: &str) {
    let display = format!("{error}");
    let debug = format!("{error:?}");
    assert!(
        !display.contains(secret),
        "Display echoes the value: {display}"
    );
    assert!(!debug.contains(secret), "Debug echoes the value: {debug}");
}

const ENABLED: &str =
    "[llm.providers.bedrock]\nenabled = true\n[llm.providers.bedrock-openai]\nenabled = true\n";
