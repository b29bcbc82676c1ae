//! [`Part`]: one piece of a message, a system prompt or a tool result, and its constructors.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ToolResultContent;

/// A content part. The common ones have constructors: [`Part::text`], [`Part::tool_call`],
/// [`Part::tool_result`], [`Part::tool_error`], [`Part::json`], [`Part::image`],
/// [`Part::cache_point`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Part {
    /// Text, with the citations that support it (responses from citation-enabled documents).
    Text {
        /// The text.
        text: String,
        /// Citations, verbatim.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        citations: Vec<Value>,
    },
    /// An image.
    Image {
        /// `png`, `jpeg`, `gif` or `webp`.
        format: String,
        /// The bytes, base64 (standard or URL-safe alphabet, padded or not).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        /// An `s3://bucket/key` URI instead of inline bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_uri: Option<String>,
        /// The account that owns the S3 bucket, when it is not the caller's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_bucket_owner: Option<String>,
    },
    /// A document.
    Document {
        /// `pdf`, `csv`, `doc`, `docx`, `xls`, `xlsx`, `html`, `txt` or `md`.
        format: String,
        /// A name for the document (Bedrock requires one).
        name: String,
        /// The bytes, base64 (standard or URL-safe alphabet, padded or not).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        /// An `s3://bucket/key` URI instead of inline bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_uri: Option<String>,
        /// The account that owns the S3 bucket, when it is not the caller's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_bucket_owner: Option<String>,
        /// Whether the model should cite it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        citations: Option<bool>,
        /// Context about the document.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<String>,
    },
    /// A video.
    Video {
        /// `mp4`, `mov`, `mkv`, `webm`, ...
        format: String,
        /// The bytes, base64 (standard or URL-safe alphabet, padded or not).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        /// An `s3://bucket/key` URI instead of inline bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_uri: Option<String>,
        /// The account that owns the S3 bucket, when it is not the caller's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_bucket_owner: Option<String>,
    },
    /// Audio.
    Audio {
        /// `mp3`, `wav`, `flac`, `ogg`, ...
        format: String,
        /// The bytes, base64 (standard or URL-safe alphabet, padded or not).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        /// An `s3://bucket/key` URI instead of inline bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_uri: Option<String>,
        /// The account that owns the S3 bucket, when it is not the caller's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        s3_bucket_owner: Option<String>,
    },
    /// A tool call the model made (assistant turns).
    ToolCall {
        /// The call id, echoed by the result.
        id: String,
        /// The tool's name.
        name: String,
        /// The arguments, a JSON object; absent means none (`{}` on the wire).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        arguments: Option<Value>,
    },
    /// A tool call cut off by the output cap (responses only; never sent back as a call).
    TruncatedToolCall {
        /// The call id.
        id: String,
        /// The tool's name.
        name: String,
        /// The JSON text received before the cut.
        partial_arguments: String,
    },
    /// The result of a tool call (user turns).
    ToolResult {
        /// The id of the call it answers.
        tool_call_id: String,
        /// The result: a string, or a list of parts (text, image, document, or `{"type":
        /// "json", "json": ...}`).
        content: ToolResultContent,
        /// Whether the tool failed.
        #[serde(default, skip_serializing_if = "core::ops::Not::not")]
        is_error: bool,
    },
    /// Model reasoning, with the signature that must accompany it on replay.
    Reasoning {
        /// The reasoning text.
        text: String,
        /// The signature, byte-exact.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    /// Encrypted reasoning, replayed byte-exact.
    RedactedReasoning {
        /// The bytes, base64.
        data: String,
    },
    /// A prompt-cache breakpoint: everything before it may be cached.
    CachePoint {
        /// `5m` (the default) or `1h`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ttl: Option<String>,
    },
    /// Content a guardrail should evaluate.
    GuardContent {
        /// The text.
        text: String,
        /// `grounding_source`, `query`, `guard_content`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        qualifiers: Vec<String>,
    },
    /// A JSON value (tool results only).
    Json {
        /// The value.
        json: Value,
    },
    /// A provider-specific block passed through verbatim, e.g. a Converse `searchResult`.
    Bedrock {
        /// The Converse content block (a one-member object).
        block: Value,
    },
}

impl Part {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text {
            text: text.into(),
            citations: Vec::new(),
        }
    }

    /// A tool call the model made (assistant turns): `arguments` is a JSON object.
    pub fn tool_call(id: impl Into<String>, name: impl Into<String>, arguments: Value) -> Self {
        Self::ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: Some(arguments),
        }
    }

    /// The result of tool call `tool_call_id` (user turns): a string, or parts (text, image,
    /// document, [`Part::json`]).
    pub fn tool_result(
        tool_call_id: impl Into<String>,
        content: impl Into<ToolResultContent>,
    ) -> Self {
        Self::ToolResult {
            tool_call_id: tool_call_id.into(),
            content: content.into(),
            is_error: false,
        }
    }

    /// A failed tool call's result (`is_error`), e.g. the error message.
    pub fn tool_error(
        tool_call_id: impl Into<String>,
        content: impl Into<ToolResultContent>,
    ) -> Self {
        Self::ToolResult {
            tool_call_id: tool_call_id.into(),
            content: content.into(),
            is_error: true,
        }
    }

    /// A JSON value (inside tool results).
    pub fn json(json: Value) -> Self {
        Self::Json { json }
    }

    /// An inline image: `format` is `png`, `jpeg`, `gif` or `webp`; `base64` its bytes.
    pub fn image(format: impl Into<String>, base64: impl Into<String>) -> Self {
        Self::Image {
            format: format.into(),
            data: Some(base64.into()),
            s3_uri: None,
            s3_bucket_owner: None,
        }
    }

    /// A prompt-cache breakpoint with the default (5-minute) TTL.
    pub fn cache_point() -> Self {
        Self::CachePoint { ttl: None }
    }
}
