//! Arbitrary `settings.toml` text: parsing never panics, and settings that parse route every
//! catalog model (and the models they define) to an endpoint or a typed error.
#![no_main]

use bedrock_core::settings::{RouteInputs, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(settings) = Settings::parse(text) else {
        return;
    };
    for inputs in [
        RouteInputs::default(),
        RouteInputs::with_region(Some("eu-west-1")),
    ] {
        for model in [
            "us.anthropic.claude-haiku-4-5",
            "openai.gpt-5.5",
            "my-model",
            "",
        ] {
            let _ = settings.route(model, &inputs);
        }
    }
});
