//! A purpose-built XML scanner for STS Query-protocol responses: it collects the text of every
//! leaf element with its path (`AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId`).
//!
//! It handles what those responses contain — a declaration, namespaces (prefixes dropped),
//! attributes, comments, CDATA, the five predefined entities and character references — and
//! refuses a DOCTYPE (no entity definitions, no expansion attacks). Not a general XML parser.

use alloc::string::String;
use alloc::vec::Vec;

/// Why a document was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum XmlError {
    /// Unterminated markup, a mismatched end tag, or text outside the root element.
    Malformed,
    /// A `<!DOCTYPE …>`: never present in STS responses, refused.
    Doctype,
    /// An entity other than the five predefined ones or a character reference.
    UnknownEntity,
    /// Nesting deeper than 32 elements.
    TooDeep,
}

/// The leaf texts of a document, with their slash-separated element paths, in document order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Leaves(Vec<(String, String)>);

impl Leaves {
    /// The text of the first element whose path ends with `suffix` (whole segments: `Code`
    /// matches `Error/Code`, not `ErrorCode`).
    pub(crate) fn get(&self, suffix: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(path, _)| {
                path == suffix
                    || (path.ends_with(suffix)
                        && path.as_bytes().get(path.len() - suffix.len() - 1) == Some(&b'/'))
            })
            .map(|(_, text)| text.as_str())
    }

    /// The path of the root element.
    #[cfg(test)]
    pub(crate) fn root(&self) -> Option<&str> {
        self.0
            .first()
            .map(|(path, _)| path.split('/').next().unwrap_or_default())
    }
}

const MAX_DEPTH: usize = 32;

/// Scans `xml`, collecting the text of every element that has no child elements.
pub(crate) fn leaves(xml: &str) -> Result<Leaves, XmlError> {
    let mut out = Vec::new();
    let mut stack: Vec<&str> = Vec::new();
    let mut text = String::new();
    // Whether the innermost open element has had a child element.
    let mut has_child = false;
    let mut rest = xml.trim_start_matches('\u{feff}');
    let mut seen_root = false;

    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if !rest.trim().is_empty() && stack.is_empty() {
                return Err(XmlError::Malformed);
            }
            push_text(&mut text, rest, !stack.is_empty())?;
            break;
        };
        let (before, markup) = rest.split_at(lt);
        if stack.is_empty() && !before.trim().is_empty() {
            return Err(XmlError::Malformed);
        }
        push_text(&mut text, before, !stack.is_empty())?;

        if let Some(after) = markup.strip_prefix("<?") {
            let end = after.find("?>").ok_or(XmlError::Malformed)?;
            rest = &after[end + 2..];
        } else if let Some(after) = markup.strip_prefix("<!--") {
            let end = after.find("-->").ok_or(XmlError::Malformed)?;
            rest = &after[end + 3..];
        } else if let Some(after) = markup.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").ok_or(XmlError::Malformed)?;
            if stack.is_empty() {
                return Err(XmlError::Malformed);
            }
            text.push_str(&after[..end]);
            rest = &after[end + 3..];
        } else if markup.starts_with("<!") {
            return Err(XmlError::Doctype);
        } else if let Some(after) = markup.strip_prefix("</") {
            let end = after.find('>').ok_or(XmlError::Malformed)?;
            let name = local_name(after[..end].trim());
            let open = stack.pop().ok_or(XmlError::Malformed)?;
            if open != name {
                return Err(XmlError::Malformed);
            }
            if !has_child {
                let mut path = stack.join("/");
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(open);
                out.push((path, core::mem::take(&mut text)));
            }
            text.clear();
            // The parent now has (at least) this child.
            has_child = true;
            rest = &after[end + 1..];
        } else {
            let after = &markup[1..];
            let end = tag_end(after).ok_or(XmlError::Malformed)?;
            let tag = &after[..end];
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let name_end = tag
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(tag.len());
            let name = local_name(&tag[..name_end]);
            if name.is_empty() || (stack.is_empty() && seen_root) {
                return Err(XmlError::Malformed);
            }
            seen_root = true;
            text.clear();
            if self_closing {
                let mut path = stack.join("/");
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(name);
                out.push((path, String::new()));
                has_child = true;
            } else {
                if stack.len() == MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                stack.push(name);
                has_child = false;
            }
            rest = &after[end + 1..];
        }
    }
    if !stack.is_empty() || !seen_root {
        return Err(XmlError::Malformed);
    }
    Ok(Leaves(out))
}

/// The index of the `>` ending a start tag, skipping quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, b) in tag.bytes().enumerate() {
        match (quote, b) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return Some(i),
            (None, b'<') => return None,
            _ => {}
        }
    }
    None
}

fn local_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Appends character data, resolving entity and character references.
fn push_text(out: &mut String, raw: &str, inside: bool) -> Result<(), XmlError> {
    if !inside {
        return Ok(());
    }
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').ok_or(XmlError::UnknownEntity)?;
        let entity = &after[..semi];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse::<u32>().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or(XmlError::UnknownEntity)?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASSUME_ROLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764&amp;x</SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>"#;

    #[test]
    fn reads_an_assume_role_response() {
        let leaves = leaves(ASSUME_ROLE).unwrap();
        assert_eq!(leaves.root(), Some("AssumeRoleResponse"));
        assert_eq!(
            leaves.get("Credentials/AccessKeyId"),
            Some("ASIAIOSFODNN7EXAMPLE")
        );
        assert_eq!(
            leaves.get("Credentials/SessionToken"),
            Some("AQoDYXdzEPT//////////wEXAMPLEtc764&x")
        );
        assert_eq!(leaves.get("Expiration"), Some("2019-11-09T13:34:41Z"));
        assert_eq!(
            leaves.get("AssumedRoleUser/Arn"),
            Some("arn:aws:sts::123456789012:assumed-role/demo/TestAR")
        );
        assert_eq!(leaves.get("Arn/Missing"), None);
        assert_eq!(leaves.get("Id"), None, "whole segments only");
    }

    #[test]
    fn reads_an_error_response() {
        let xml = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
            <Error><Type>Sender</Type><Code>AccessDenied</Code>\
            <Message>User: arn:aws:iam::1:user/x is not authorized to perform: sts:AssumeRole &lt;on&gt; resource</Message></Error>\
            <RequestId>abc-123</RequestId></ErrorResponse>";
        let leaves = leaves(xml).unwrap();
        assert_eq!(leaves.root(), Some("ErrorResponse"));
        assert_eq!(leaves.get("Error/Code"), Some("AccessDenied"));
        assert!(leaves.get("Error/Message").unwrap().contains("<on>"));
        assert_eq!(leaves.get("RequestId"), Some("abc-123"));
    }

    #[test]
    fn prefixes_comments_cdata_references_and_empty_elements() {
        let xml = "<a:Root xmlns:a='x'><!-- c --><a:V attr=\"1>2\"><![CDATA[<raw>&]]>&#65;&#x42;</a:V><E/><F></F></a:Root>";
        let leaves = leaves(xml).unwrap();
        assert_eq!(leaves.get("Root/V"), Some("<raw>&AB"));
        assert_eq!(leaves.get("Root/E"), Some(""));
        assert_eq!(leaves.get("Root/F"), Some(""));
    }

    #[test]
    fn refuses_what_sts_never_sends() {
        assert_eq!(
            leaves("<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>").unwrap_err(),
            XmlError::Doctype
        );
        assert_eq!(leaves("<x>&a;</x>").unwrap_err(), XmlError::UnknownEntity);
        assert_eq!(leaves("<x><y></x>").unwrap_err(), XmlError::Malformed);
        assert_eq!(leaves("<x>").unwrap_err(), XmlError::Malformed);
        assert_eq!(leaves("text").unwrap_err(), XmlError::Malformed);
        assert_eq!(leaves("").unwrap_err(), XmlError::Malformed);
        assert_eq!(leaves("<x/><y/>").unwrap_err(), XmlError::Malformed);
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert_eq!(leaves(&deep).unwrap_err(), XmlError::TooDeep);
        // Every truncation of a real response is refused, never a panic.
        for end in 0..ASSUME_ROLE.len() - 1 {
            if ASSUME_ROLE.is_char_boundary(end) {
                assert!(
                    leaves(&ASSUME_ROLE[..end]).is_err(),
                    "prefix of {end} bytes"
                );
            }
        }
    }
}
