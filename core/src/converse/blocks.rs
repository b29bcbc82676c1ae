//! One neutral [`Part`] → its Converse content block (rule 1 of
//! [`encode_request`](super::encode_request)): media re-encoded as standard padded base64 or an S3
//! location, tool calls and results, reasoning replayed byte-exact, guard content, verbatim
//! `bedrock` blocks.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde_json::{Map, Value, json};

use crate::model::encoding::{RequestError, error};
use crate::model::{Part, Role, ToolResultContent};

pub(super) fn guard_content(text: &str, qualifiers: &[String]) -> Value {
    let mut inner = Map::new();
    inner.insert("text".into(), Value::String(text.into()));
    if !qualifiers.is_empty() {
        inner.insert("qualifiers".into(), json!(qualifiers));
    }
    json!({"guardContent": {"text": inner}})
}

/// Encodes one message part.
pub(super) fn encode_part(part: Part, role: Role, path: &str) -> Result<Value, RequestError> {
    Ok(match part {
        Part::Text { text, citations } => {
            if citations.is_empty() {
                json!({"text": text})
            } else {
                json!({"citationsContent": {"content": [{"text": text}], "citations": citations}})
            }
        }
        Part::Image {
            format,
            data,
            s3_uri,
            s3_bucket_owner,
        } => {
            json!({"image": {"format": format, "source": media_source(path, data, s3_uri, s3_bucket_owner)?}})
        }
        Part::Video {
            format,
            data,
            s3_uri,
            s3_bucket_owner,
        } => {
            json!({"video": {"format": format, "source": media_source(path, data, s3_uri, s3_bucket_owner)?}})
        }
        Part::Audio {
            format,
            data,
            s3_uri,
            s3_bucket_owner,
        } => {
            json!({"audio": {"format": format, "source": media_source(path, data, s3_uri, s3_bucket_owner)?}})
        }
        Part::Document {
            format,
            name,
            data,
            s3_uri,
            s3_bucket_owner,
            citations,
            context,
        } => {
            let mut document = Map::new();
            document.insert("format".into(), Value::String(format));
            document.insert("name".into(), Value::String(name));
            document.insert(
                "source".into(),
                media_source(path, data, s3_uri, s3_bucket_owner)?,
            );
            if let Some(context) = context {
                document.insert("context".into(), Value::String(context));
            }
            if let Some(enabled) = citations {
                document.insert("citations".into(), json!({"enabled": enabled}));
            }
            json!({"document": document})
        }
        Part::ToolCall {
            id,
            name,
            arguments,
        } => {
            if role != Role::Assistant {
                return Err(error(path, "tool_call parts belong in assistant messages"));
            }
            let input = match arguments {
                None | Some(Value::Null) => json!({}),
                Some(Value::Object(args)) => Value::Object(args),
                Some(_) => return Err(error(format!("{path}.arguments"), "must be a JSON object")),
            };
            json!({"toolUse": {"toolUseId": id, "name": name, "input": input}})
        }
        Part::TruncatedToolCall { .. } => {
            return Err(error(
                path,
                "a truncated_tool_call was cut off by max_tokens and cannot be sent back as a call; drop it or raise max_tokens",
            ));
        }
        Part::ToolResult {
            tool_call_id,
            content,
            is_error,
        } => {
            if role != Role::User {
                return Err(error(path, "tool_result parts belong in user messages"));
            }
            let items = match content {
                ToolResultContent::Text(text) => alloc::vec![json!({"text": text})],
                ToolResultContent::Parts(parts) => {
                    let mut items = Vec::with_capacity(parts.len());
                    for (j, part) in parts.into_iter().enumerate() {
                        let item_path = format!("{path}.content[{j}]");
                        items.push(match part {
                            Part::Json { json } => json!({"json": json}),
                            Part::Text { text, .. } => json!({"text": text}),
                            media @ (Part::Image { .. } | Part::Document { .. } | Part::Video { .. } | Part::Bedrock { .. }) => {
                                encode_part(media, role, &item_path)?
                            }
                            _ => {
                                return Err(error(
                                    item_path,
                                    "tool results may hold text, json, image, document, video and bedrock parts",
                                ));
                            }
                        });
                    }
                    items
                }
            };
            let mut result = Map::new();
            result.insert("toolUseId".into(), Value::String(tool_call_id));
            result.insert("content".into(), Value::Array(items));
            if is_error {
                result.insert("status".into(), Value::String("error".into()));
            }
            json!({"toolResult": result})
        }
        Part::Reasoning { text, signature } => {
            let mut inner = Map::new();
            inner.insert("text".into(), Value::String(text));
            if let Some(signature) = signature {
                inner.insert("signature".into(), Value::String(signature));
            }
            json!({"reasoningContent": {"reasoningText": inner}})
        }
        Part::RedactedReasoning { data } => {
            let bytes = decode_base64(&data)
                .ok_or_else(|| error(format!("{path}.data"), "is not valid base64"))?;
            json!({"reasoningContent": {"redactedContent": BASE64_STANDARD.encode(bytes)}})
        }
        Part::GuardContent { text, qualifiers } => guard_content(&text, &qualifiers),
        Part::Json { .. } => return Err(error(path, "json parts belong inside a tool_result")),
        Part::Bedrock { block } => {
            if !matches!(&block, Value::Object(m) if m.len() == 1) {
                return Err(error(
                    format!("{path}.block"),
                    "must be a Converse content block (a one-member object)",
                ));
            }
            block
        }
        Part::CachePoint { .. } => {
            return Err(error(
                path,
                "internal: cache points are handled by the caller",
            ));
        }
    })
}

fn media_source(
    path: &str,
    data: Option<String>,
    s3_uri: Option<String>,
    bucket_owner: Option<String>,
) -> Result<Value, RequestError> {
    match (data, s3_uri) {
        (Some(data), None) => {
            let bytes = decode_base64(&data)
                .ok_or_else(|| error(format!("{path}.data"), "is not valid base64"))?;
            Ok(json!({"bytes": BASE64_STANDARD.encode(bytes)}))
        }
        (None, Some(uri)) => {
            if !uri.starts_with("s3://") {
                return Err(error(format!("{path}.s3_uri"), "must start with s3://"));
            }
            let mut location = Map::new();
            location.insert("uri".into(), Value::String(uri));
            if let Some(owner) = bucket_owner {
                location.insert("bucketOwner".into(), Value::String(owner));
            }
            Ok(json!({"s3Location": location}))
        }
        (Some(_), Some(_)) => Err(error(path, "give either data or s3_uri, not both")),
        (None, None) => Err(error(path, "needs data (base64) or s3_uri")),
    }
}

/// Decodes base64 in any common form: standard or URL-safe alphabet (not mixed), padded or not.
/// Padding, when present, must complete the last quantum (`Zg==`, not `Zg=`), and set bits past
/// the last whole byte are refused (`Zh==`): only a canonical encoding decodes.
pub(super) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    let body = text.trim_end_matches('=');
    let padding = text.len() - body.len();
    if padding > 0 && (padding > 2 || !text.len().is_multiple_of(4)) {
        return None;
    }
    let engine = if body.contains(['-', '_']) {
        &URL_SAFE_NO_PAD
    } else {
        &STANDARD_NO_PAD
    };
    engine.decode(body).ok()
}
