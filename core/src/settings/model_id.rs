//! Recognising Bedrock model identifiers that are in neither the catalog nor the settings
//! ([`is_bedrock_model_id`]; its doc holds the rules).

use super::endpoint::is_valid_region;

/// The geography prefixes of Bedrock's system-defined cross-region inference profiles
/// (`us.anthropic.…`), without the dot.
pub const INFERENCE_PROFILE_PREFIXES: &[&str] =
    &["us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"];

/// The longest id accepted (Bedrock's `modelId` limit).
const MAX_LEN: usize = 2048;

/// Whether `id` has the shape of a Bedrock model id, inference profile id or Bedrock ARN. Pure:
/// it says nothing about whether the model exists or the caller may use it.
///
/// Bedrock accepts far more model ids than any curated catalog lists: every foundation model
/// id, cross-region inference profiles, and ARNs of application inference profiles, provisioned
/// throughput and custom or imported models. The AWS SDKs and every peer pass such ids through,
/// so [`Settings::route`](super::Settings::route) does too, when the id has one of these shapes:
///
/// | shape | example |
/// |---|---|
/// | `vendor.model` | `anthropic.claude-3-5-sonnet-20240620-v1:0`, `cohere.command-r-v1:0`, `moonshotai.kimi-k2.5` |
/// | `geo.vendor.model`, `geo` one of [`INFERENCE_PROFILE_PREFIXES`] | `us.anthropic.claude-3-7-sonnet-20250219-v1:0`, `us-gov.…`, `global.…` |
/// | `arn:PARTITION:bedrock:REGION:ACCOUNT:TYPE/ID` | `arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abc123` |
///
/// - `vendor` is a lowercase letter then lowercase letters and digits (`ai21`, `amazon`,
///   `anthropic`, `meta`, ...): no Bedrock vendor has a `-`, so OpenAI-style names such as
///   `gpt-4.1` or `claude-3.5-sonnet` are not taken for Bedrock ids.
/// - `model` is segments of lowercase letters, digits and `-`, separated by `.` or `:` (the
///   version suffix `-v1:0`, `:0:8k`), as in Bedrock's own `modelId` pattern.
/// - In an ARN, `PARTITION` is `aws` or `aws-…` (`aws-cn`, `aws-us-gov`, `aws-iso-b`, ...),
///   `REGION` a region name, `ACCOUNT` twelve digits or empty (foundation-model ARNs have none),
///   `TYPE` lowercase letters and `-` (`inference-profile`, `application-inference-profile`,
///   `foundation-model`, `provisioned-model`, `custom-model`, `custom-model-deployment`,
///   `imported-model`, `prompt`, ...), and `ID` letters, digits, `-`, `_`, `.`, `:` and `/`.
///
/// Anything else (`gpt-4`, `claude`, an empty or blank id, `foo bar`) is not a Bedrock id and
/// stays [`SettingsProblem::UnknownModel`](super::SettingsProblem::UnknownModel).
pub fn is_bedrock_model_id(id: &str) -> bool {
    if id.is_empty() || id.len() > MAX_LEN {
        return false;
    }
    if let Some(rest) = id.strip_prefix("arn:") {
        return is_bedrock_arn(rest);
    }
    for prefix in INFERENCE_PROFILE_PREFIXES {
        if let Some(rest) = id
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('.'))
        {
            return is_vendor_model(rest);
        }
    }
    is_vendor_model(id)
}

/// `vendor.model`.
fn is_vendor_model(id: &str) -> bool {
    let Some((vendor, model)) = id.split_once('.') else {
        return false;
    };
    let mut vendor_bytes = vendor.bytes();
    vendor_bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && vendor_bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && model
            .split(['.', ':'])
            .all(|segment| !segment.is_empty() && segment.bytes().all(is_model_byte))
}

fn is_model_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
}

/// `PARTITION:bedrock:REGION:ACCOUNT:TYPE/ID`, after `arn:`.
fn is_bedrock_arn(rest: &str) -> bool {
    let mut fields = rest.splitn(5, ':');
    let (Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return false;
    };
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|suffix| {
            suffix
                .split('-')
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        });
    let account_ok =
        account.is_empty() || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    let resource_ok = resource.split_once('/').is_some_and(|(kind, id)| {
        !kind.is_empty()
            && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            && !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:/".contains(&b))
    });
    partition_ok && service == "bedrock" && is_valid_region(region) && account_ok && resource_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bedrock_shaped_ids_are_recognised() {
        for id in [
            // Foundation models, old and new naming.
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "anthropic.claude-v2",
            "cohere.command-r-v1:0",
            "cohere.command-r-plus-v1:0",
            "amazon.titan-text-express-v1",
            "amazon.titan-text-express-v1:0:8k",
            "amazon.nova-pro-v1:0",
            "meta.llama3-1-405b-instruct-v1:0",
            "mistral.mistral-7b-instruct-v0:2",
            "ai21.jamba-1-5-large-v1:0",
            "deepseek.r1-v1:0",
            "moonshotai.kimi-k2.5",
            "openai.gpt-oss-20b-1:0",
            "writer.palmyra-x5-v1:0",
            "qwen.qwen3-32b-v1:0",
            // Cross-region inference profiles, every geography.
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            "eu.anthropic.claude-3-5-sonnet-20240620-v1:0",
            "apac.amazon.nova-lite-v1:0",
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0",
            "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "au.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "ca.anthropic.claude-haiku-4-5-20251001-v1:0",
            // ARNs.
            "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abc123def456",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2",
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/a1b2c3d4e5f6",
            "arn:aws:bedrock:us-east-1:123456789012:custom-model/anthropic.claude-v2:0:100k/abcdef123456",
            "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/a1b2c3d4e5f6",
            "arn:aws:bedrock:us-east-1:123456789012:imported-model/a1b2c3d4e5f6",
            "arn:aws-cn:bedrock:cn-north-1:123456789012:inference-profile/apac.amazon.nova-lite-v1:0",
            "arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:provisioned-model/a1b2c3d4e5f6",
            "arn:aws-iso-b:bedrock:us-isob-east-1:123456789012:application-inference-profile/x_y.z",
        ] {
            assert!(is_bedrock_model_id(id), "{id}");
        }
    }

    #[test]
    fn other_ids_are_not() {
        for id in [
            "",
            " ",
            "\t\n",
            "gpt-4",
            "gpt-4.1",
            "gpt-3.5-turbo",
            "claude",
            "claude-3.5-sonnet",
            "foo bar",
            "anthropic. claude",
            " anthropic.claude-v2",
            "anthropic.claude-v2 ",
            "anthropic.",
            ".claude-v2",
            "anthropic..claude",
            "anthropic.claude-v2:",
            "anthropic.claude::0",
            "Anthropic.claude-v2",
            "anthropic.Claude-v2",
            "anthropic.claude_v2",
            "anthropic.claude/v2",
            "1vendor.model",
            "us.gpt-4",
            "us.",
            "eu.claude",
            "global",
            // ARNs of the wrong service, partition, account or resource.
            "arn:aws:s3:::bucket/key",
            "arn:aws:sagemaker:us-east-1:123456789012:endpoint/x",
            "arn:azure:bedrock:us-east-1:123456789012:inference-profile/x",
            "arn:aws:bedrock:us-east-1:12345:inference-profile/x",
            "arn:aws:bedrock::123456789012:inference-profile/x",
            "arn:aws:bedrock:US-EAST-1:123456789012:inference-profile/x",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/",
            "arn:aws:bedrock:us-east-1:123456789012:/x",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/a b",
            "arn:aws:bedrock:us-east-1",
            "arn:",
        ] {
            assert!(!is_bedrock_model_id(id), "{id:?}");
        }
        assert!(!is_bedrock_model_id(&alloc::format!(
            "anthropic.{}",
            "a".repeat(MAX_LEN)
        )));
    }
}
