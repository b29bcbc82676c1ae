//! User models: `[llm.models.<id>]` entries merged over the built-in catalog rows
//! ([`Settings::model`], [`Settings::models`]), the conservative row of a new model, and the row
//! of a Bedrock id outside both (rules in the [module docs](super#user-models)).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{NEW_MODEL_CONTEXT_WINDOW, NEW_MODEL_MAX_OUTPUT, Settings};
use crate::catalog::{self, BillingPolicy, Features, ModelInfo, Price, Prices, Provider};

/// A user `[llm.models.<id>]` entry: only what the file sets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct ModelEntry {
    pub(super) provider: Option<Provider>,
    pub(super) api_id: Option<String>,
    pub(super) context_window: Option<u32>,
    pub(super) max_output: Option<u32>,
    pub(super) tools: Option<bool>,
    pub(super) vision: Option<bool>,
    pub(super) reasoning: Option<bool>,
    pub(super) prompt_cache: Option<bool>,
    pub(super) sampling_params: Option<bool>,
    pub(super) billing: Option<BillingPolicy>,
    pub(super) input: Option<Price>,
    pub(super) output: Option<Price>,
    pub(super) cache_read: Option<Price>,
}

impl ModelEntry {
    /// This entry applied over `row`.
    pub(super) fn apply(&self, mut row: ModelInfo) -> ModelInfo {
        fn set<T: Clone>(field: &mut T, value: &Option<T>) {
            if let Some(v) = value {
                *field = v.clone();
            }
        }
        set(&mut row.provider, &self.provider);
        set(&mut row.api_id, &self.api_id);
        set(&mut row.context_window, &self.context_window);
        set(&mut row.max_output, &self.max_output);
        set(&mut row.features.tools, &self.tools);
        set(&mut row.features.vision, &self.vision);
        set(&mut row.features.reasoning, &self.reasoning);
        set(&mut row.features.prompt_cache, &self.prompt_cache);
        set(&mut row.features.sampling_params, &self.sampling_params);
        set(&mut row.billing, &self.billing);
        set(&mut row.prices.input, &self.input);
        set(&mut row.prices.output, &self.output);
        set(&mut row.prices.cache_read, &self.cache_read);
        row
    }

    /// A new catalog row for `id` (not built in): conservative defaults under this entry.
    /// `None` when `provider` or `api_id` is missing (the parser rejects such entries).
    pub(super) fn new_row(&self, id: &str) -> Option<ModelInfo> {
        let base = conservative_row(id, self.provider?, self.api_id.clone()?);
        Some(self.apply(base))
    }
}

/// A row for a model the catalog does not know: the defaults in the [module docs](super).
fn conservative_row(id: &str, provider: Provider, api_id: String) -> ModelInfo {
    ModelInfo {
        id: id.into(),
        provider,
        api_id,
        family: "custom".into(),
        is_default: false,
        is_small_default: false,
        context_window: NEW_MODEL_CONTEXT_WINDOW,
        max_output: NEW_MODEL_MAX_OUTPUT,
        features: Features {
            tools: false,
            vision: false,
            reasoning: false,
            prompt_cache: false,
            sampling_params: true,
        },
        billing: BillingPolicy::OpenAi,
        prices: Prices::default(),
        notes: None,
        uncataloged: false,
    }
}

/// The row of a Bedrock-shaped id in neither the catalog nor the settings, and the warning its
/// route carries.
pub(super) fn uncataloged_row(id: &str) -> (ModelInfo, String) {
    let mut row = conservative_row(id, Provider::Bedrock, id.into());
    row.uncataloged = true;
    let warning = format!(
        "model {id:?} is not in the catalog or settings: sent to Bedrock as given with default \
         limits (max_tokens defaults to {NEW_MODEL_MAX_OUTPUT}, no prompt caching, cost unknown); \
         add [llm.models.\"{id}\"] to settings.toml to set its limits and prices"
    );
    (row, warning)
}

impl Settings {
    /// The catalog row for `id`: built in, user-defined, or built in with the user's overrides.
    pub fn model(&self, id: &str) -> Option<ModelInfo> {
        let entry = self.models.get(id);
        match (catalog::find(id), entry) {
            (Some(row), Some(entry)) => Some(entry.apply(row)),
            (Some(row), None) => Some(row),
            (None, Some(entry)) => entry.new_row(id),
            (None, None) => None,
        }
    }

    /// The merged catalog: built-in rows in catalog order (with user overrides), then the
    /// user's new models by id.
    pub fn models(&self) -> Vec<ModelInfo> {
        let builtin = catalog::builtin();
        let mut out: Vec<ModelInfo> = Vec::with_capacity(builtin.len() + self.models.len());
        for row in builtin {
            out.push(match self.models.get(&row.id) {
                Some(entry) => entry.apply(row),
                None => row,
            });
        }
        for (id, entry) in &self.models {
            if !out.iter().any(|m| &m.id == id) {
                out.extend(entry.new_row(id));
            }
        }
        out
    }
}
