//! Request-body validation: just enough of the Converse shape to answer a malformed body the
//! way Bedrock does, with a 400 `ValidationException` that names the member.
//!
//! The rules are a table of (path, required, check). A path walks objects by member name;
//! `name[]` walks every element of a list. A rule applies only where its parent exists, so
//! `required` means "required when the enclosing structure is present". Messages use the AWS
//! validation wording and paths (`messages.1.member.role`, 1-based):
//!
//! ```text
//! 2 validation errors detected: Value null at 'messages' failed to satisfy constraint: Member
//! must not be null; Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint:
//! Member must have value greater than or equal to 1
//! ```

use serde_json::Value;

use super::Operation;
use super::errors::ServiceError;

/// What a member must be.
#[derive(Clone, Copy, Debug)]
enum Check {
    Object,
    List,
    /// A list with at least one element (checked only when it is a list).
    NonEmpty,
    Text,
    /// An integer no smaller than `min`.
    Integer {
        min: i64,
    },
    /// A number in `min..=max`.
    Number {
        min: f64,
        max: f64,
    },
    /// One of these strings.
    OneOf(&'static [&'static str]),
}

#[derive(Clone, Copy, Debug)]
struct Rule {
    path: &'static str,
    required: bool,
    check: Check,
}

const fn required(path: &'static str, check: Check) -> Rule {
    Rule {
        path,
        required: true,
        check,
    }
}

const fn optional(path: &'static str, check: Check) -> Rule {
    Rule {
        path,
        required: false,
        check,
    }
}

/// The members shared by Converse, ConverseStream and CountTokens' `input.converse`.
const CONVERSATION: &[Rule] = &[
    required("messages", Check::List),
    optional("messages", Check::NonEmpty),
    optional("messages[]", Check::Object),
    required("messages[].role", Check::OneOf(&["user", "assistant"])),
    // An empty content list passes the shape (the model has no length constraint on it) and
    // fails the conversation rules, with their own message.
    required("messages[].content", Check::List),
    optional("messages[].content[]", Check::Object),
    optional("system", Check::List),
    optional("system[]", Check::Object),
    optional("toolConfig", Check::Object),
    required("toolConfig.tools", Check::List),
    optional("toolConfig.tools", Check::NonEmpty),
    optional("toolConfig.tools[]", Check::Object),
];

/// The members only Converse and ConverseStream have.
const INFERENCE: &[Rule] = &[
    optional("inferenceConfig", Check::Object),
    optional("inferenceConfig.maxTokens", Check::Integer { min: 1 }),
    optional(
        "inferenceConfig.temperature",
        Check::Number { min: 0.0, max: 1.0 },
    ),
    optional("inferenceConfig.topP", Check::Number { min: 0.0, max: 1.0 }),
    optional("inferenceConfig.stopSequences", Check::List),
    optional("inferenceConfig.stopSequences[]", Check::Text),
    optional("additionalModelResponseFieldPaths", Check::List),
    optional("additionalModelResponseFieldPaths[]", Check::Text),
];

/// CountTokens' own members; `input.converse` then gets [`CONVERSATION`].
const COUNT_TOKENS: &[Rule] = &[
    required("input", Check::Object),
    optional("input.converse", Check::Object),
    optional("input.invokeModel", Check::Object),
    required("input.invokeModel.body", Check::Text),
];

/// Parses and validates a request body.
///
/// # Errors
///
/// A `ValidationException` for a body that is not a JSON object or breaks a rule.
pub(crate) fn parse_body(operation: Operation, body: &[u8]) -> Result<Value, ServiceError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ServiceError::validation(format!(
            "Malformed input request: {e}, please reformat your input and try again."
        ))
    })?;
    if !value.is_object() {
        return Err(ServiceError::validation(
            "Malformed input request: the body must be a JSON object, please reformat your \
             input and try again.",
        ));
    }
    let mut problems = Vec::new();
    match operation {
        Operation::Converse | Operation::ConverseStream => {
            run(CONVERSATION, &value, "", &mut problems);
            run(INFERENCE, &value, "", &mut problems);
        }
        Operation::CountTokens => {
            run(COUNT_TOKENS, &value, "", &mut problems);
            if let Some(input) = value.get("input").filter(|v| v.is_object()) {
                let members = ["converse", "invokeModel"]
                    .iter()
                    .filter(|m| input.get(**m).is_some_and(|v| !v.is_null()))
                    .count();
                if members != 1 {
                    problems.push(
                        "Value at 'input' failed to satisfy constraint: Member must have \
                         exactly one of converse, invokeModel"
                            .to_string(),
                    );
                }
                if let Some(converse) = input.get("converse").filter(|v| v.is_object()) {
                    run(CONVERSATION, converse, "input.converse", &mut problems);
                }
            }
        }
    }
    if let Some(message) = summarize(&problems) {
        return Err(ServiceError::validation(message));
    }
    if let Some(conversation) = conversation(operation, &value) {
        conversation_rules(conversation).map_err(ServiceError::validation)?;
    }
    Ok(value)
}

fn role(message: &Value) -> &str {
    message
        .get("role")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn blocks(message: &Value) -> &[Value] {
    message
        .get("content")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Bedrock's largest number of cache points in one request.
const MAX_CACHE_POINTS: usize = 4;

/// The rules Bedrock checks on a well-shaped conversation, in its words (paths 0-based, as its
/// messages give them): the first failing rule's message.
fn conversation_rules(conversation: &Value) -> Result<(), String> {
    let Some(messages) = conversation.get("messages").and_then(Value::as_array) else {
        return Ok(());
    };
    for (m, message) in messages.iter().enumerate() {
        if blocks(message).is_empty() {
            return Err(format!(
                "The content field in the Message object at messages.{m} is empty. Add a \
                 ContentBlock object to the content field and try again."
            ));
        }
        for (b, block) in blocks(message).iter().enumerate() {
            if block
                .get("text")
                .and_then(Value::as_str)
                .is_some_and(|t| t.trim().is_empty())
            {
                return Err(format!(
                    "The text field in the ContentBlock object at messages.{m}.content.{b} is \
                     blank. Add text to the text field, and try again."
                ));
            }
        }
    }
    if messages.first().is_some_and(|first| role(first) != "user") {
        return Err(
            "A conversation must start with a user message. Try again with a \
                    conversation that starts with a user message."
                .into(),
        );
    }
    if messages
        .windows(2)
        .any(|pair| role(&pair[0]) == role(&pair[1]))
    {
        return Err(
            "A conversation must alternate between user and assistant roles. Make sure \
                    the conversation alternates between user and assistant roles and try again."
                .into(),
        );
    }
    let has = |block: &Value, member: &str| block.get(member).is_some();
    let all_blocks = || messages.iter().flat_map(|m| blocks(m).iter());
    if all_blocks().any(|b| has(b, "toolUse") || has(b, "toolResult"))
        && conversation.get("toolConfig").is_none_or(Value::is_null)
    {
        return Err(
            "The toolConfig field must be defined when using toolUse and toolResult content \
             blocks."
                .into(),
        );
    }
    let ids = |message: &Value, member: &str| -> Vec<String> {
        blocks(message)
            .iter()
            .filter_map(|b| b.get(member)?.get("toolUseId")?.as_str())
            .map(str::to_string)
            .collect()
    };
    for (m, message) in messages.iter().enumerate() {
        let results = ids(message, "toolResult");
        let calls = match m.checked_sub(1) {
            Some(previous) => ids(&messages[previous], "toolUse"),
            None => Vec::new(),
        };
        if results.len() > calls.len() {
            return Err(format!(
                "The number of toolResult blocks at messages.{m}.content exceeds the number of \
                 toolUse blocks of previous turn."
            ));
        }
        let missing: Vec<&str> = calls
            .iter()
            .filter(|id| !results.contains(id))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "Expected toolResult blocks at messages.{m}.content for the following Ids: {}",
                missing.join(", ")
            ));
        }
    }
    let in_list = |member: &str| {
        conversation
            .get(member)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let tools = conversation
        .get("toolConfig")
        .and_then(|c| c.get("tools"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let points = tools
        .iter()
        .chain(in_list("system"))
        .chain(all_blocks())
        .filter(|b| has(b, "cachePoint"))
        .count();
    if points > MAX_CACHE_POINTS {
        return Err(format!(
            "The number of cache points in the request is {points}, which exceeds the maximum of \
             {MAX_CACHE_POINTS}. Remove cache points and try again."
        ));
    }
    Ok(())
}

/// The object holding `messages` / `system`: the body, or CountTokens' `input.converse`.
pub(crate) fn conversation(operation: Operation, body: &Value) -> Option<&Value> {
    match operation {
        Operation::CountTokens => body.get("input")?.get("converse"),
        Operation::Converse | Operation::ConverseStream => Some(body),
    }
}

/// AWS's summary line: `N validation error(s) detected: a; b`.
fn summarize(problems: &[String]) -> Option<String> {
    match problems.len() {
        0 => None,
        1 => Some(format!("1 validation error detected: {}", problems[0])),
        n => Some(format!(
            "{n} validation errors detected: {}",
            problems.join("; ")
        )),
    }
}

fn run(rules: &[Rule], root: &Value, base: &str, problems: &mut Vec<String>) {
    for rule in rules {
        let mut found = Vec::new();
        resolve(root, rule.path, base.to_string(), &mut found);
        for (path, value) in found {
            if let Some(problem) = check(rule, &path, value) {
                problems.push(problem);
            }
        }
    }
}

/// Every place `path` names under `value`, with what is there (`None` when absent or null).
/// Walks only through objects and lists; a parent of the wrong type is the parent's rule's
/// problem.
fn resolve<'v>(
    value: &'v Value,
    path: &str,
    at: String,
    out: &mut Vec<(String, Option<&'v Value>)>,
) {
    let (segment, rest) = match path.split_once('.') {
        Some((segment, rest)) => (segment, Some(rest)),
        None => (path, None),
    };
    let (name, each) = match segment.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (segment, false),
    };
    let Some(object) = value.as_object() else {
        return;
    };
    let child = object.get(name).filter(|v| !v.is_null());
    let child_path = if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    };
    if !each {
        match rest {
            None => out.push((child_path, child)),
            Some(rest) => {
                if let Some(child) = child {
                    resolve(child, rest, child_path, out);
                }
            }
        }
        return;
    }
    let Some(items) = child.and_then(Value::as_array) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{child_path}.{}.member", i + 1);
        match rest {
            None => out.push((item_path, Some(item))),
            Some(rest) => resolve(item, rest, item_path, out),
        }
    }
}

fn check(rule: &Rule, path: &str, value: Option<&Value>) -> Option<String> {
    let Some(value) = value else {
        return rule.required.then(|| {
            format!("Value null at '{path}' failed to satisfy constraint: Member must not be null")
        });
    };
    let constraint = match rule.check {
        Check::Object => (!value.is_object()).then(|| "Member must be an object".to_string()),
        Check::List => (!value.is_array()).then(|| "Member must be a list".to_string()),
        Check::NonEmpty => value
            .as_array()
            .is_some_and(Vec::is_empty)
            .then(|| "Member must have length greater than or equal to 1".to_string()),
        Check::Text => (!value.is_string()).then(|| "Member must be a string".to_string()),
        Check::Integer { min } => match value.as_i64() {
            None if value.as_u64().is_some() => None,
            None => Some("Member must be an integer".to_string()),
            Some(n) if n < min => Some(format!(
                "Member must have value greater than or equal to {min}"
            )),
            Some(_) => None,
        },
        Check::Number { min, max } => match value.as_f64() {
            None => Some("Member must be a number".to_string()),
            Some(n) if n < min => Some(format!(
                "Member must have value greater than or equal to {min}"
            )),
            Some(n) if n > max => Some(format!(
                "Member must have value less than or equal to {max}"
            )),
            Some(_) => None,
        },
        Check::OneOf(allowed) => match value.as_str() {
            Some(s) if allowed.contains(&s) => None,
            _ => Some(format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            )),
        },
    }?;
    Some(format!(
        "Value '{}' at '{path}' failed to satisfy constraint: {constraint}",
        shown(value)
    ))
}

/// A value as AWS quotes it: strings bare, everything else as compact JSON; long values cut.
fn shown(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() <= 64 {
        return text;
    }
    let cut: String = text.chars().take(61).collect();
    format!("{cut}...")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error_of(operation: Operation, body: Value) -> String {
        parse_body(operation, body.to_string().as_bytes())
            .unwrap_err()
            .message
    }

    #[test]
    fn accepts_a_minimal_and_a_full_request() {
        let minimal = json!({"messages": [{"role": "user", "content": [{"text": "Hi"}]}]});
        assert!(parse_body(Operation::Converse, minimal.to_string().as_bytes()).is_ok());
        let full = json!({
            "messages": [{"role": "user", "content": [{"text": "Hi"}]},
                         {"role": "assistant", "content": [{"text": "Hello"}]},
                         {"role": "user", "content": [{"text": "Again"}]}],
            "system": [{"text": "Be brief"}],
            "inferenceConfig": {"maxTokens": 100, "temperature": 0.5, "topP": 1, "stopSequences": ["x"]},
            "toolConfig": {"tools": [{"toolSpec": {"name": "t", "inputSchema": {"json": {}}}}]}
        });
        assert!(parse_body(Operation::ConverseStream, full.to_string().as_bytes()).is_ok());
        let count = json!({"input": {"converse": {"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}}});
        assert!(parse_body(Operation::CountTokens, count.to_string().as_bytes()).is_ok());
    }

    #[test]
    fn names_the_member() {
        let cases = [
            (
                json!({}),
                "Value null at 'messages' failed to satisfy constraint: Member must not be null",
            ),
            (
                json!({"messages": "hi"}),
                "Value 'hi' at 'messages' failed to satisfy constraint: Member must be a list",
            ),
            (
                json!({"messages": [{"role": "user", "content": "x"}]}),
                "at 'messages.1.member.content' failed to satisfy constraint: Member must be a list",
            ),
            (
                json!({"messages": [{"role": "system", "content": []}]}),
                "Value 'system' at 'messages.1.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]",
            ),
            (
                json!({"messages": [{"role": "user", "content": [{"text": "x"}]}], "inferenceConfig": {"maxTokens": 0}}),
                "Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1",
            ),
            (
                json!({"messages": [{"role": "user", "content": [{"text": "x"}]}], "inferenceConfig": {"maxTokens": 2.5}}),
                "at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must be an integer",
            ),
            (
                json!({"messages": [{"role": "user", "content": [{"text": "x"}]}], "inferenceConfig": {"temperature": 1.5}}),
                "Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1",
            ),
            (
                json!({"messages": [{"role": "assistant", "content": [{"text": "x"}]}]}),
                "A conversation must start with a user message.",
            ),
        ];
        for (body, expected) in cases {
            let message = error_of(Operation::Converse, body.clone());
            assert!(message.contains(expected), "{body}: {message}");
        }
    }

    /// Bedrock's conversation rules, each with its message, on bodies a client could send.
    #[test]
    fn conversation_rules_answer_in_bedrocks_words() {
        let text = |t: &str| json!({"text": t});
        let user = |content: Value| json!({"role": "user", "content": content});
        let assistant = |content: Value| json!({"role": "assistant", "content": content});
        let call = |id: &str| json!({"toolUse": {"toolUseId": id, "name": "f", "input": {}}});
        let result =
            |id: &str| json!({"toolResult": {"toolUseId": id, "content": [{"text": "ok"}]}});
        let tools = json!({"tools": [{"toolSpec": {"name": "f", "inputSchema": {"json": {"type": "object"}}}}]});
        let point = json!({"cachePoint": {"type": "default"}});
        let cases = [
            (
                json!({"messages": [user(json!([text("Hi")])), assistant(json!([]))]}),
                "The content field in the Message object at messages.1 is empty. Add a \
                 ContentBlock object to the content field and try again.",
            ),
            (
                json!({"messages": [user(json!([text("Hi")])), assistant(json!([text("\n"), text("ok")]))]}),
                "The text field in the ContentBlock object at messages.1.content.0 is blank. Add \
                 text to the text field, and try again.",
            ),
            (
                json!({"messages": [user(json!([text("a")])), user(json!([text("b")]))]}),
                "A conversation must alternate between user and assistant roles. Make sure the \
                 conversation alternates between user and assistant roles and try again.",
            ),
            (
                json!({"messages": [user(json!([text("a")])), assistant(json!([call("t1")])), user(json!([result("t1")]))]}),
                "The toolConfig field must be defined when using toolUse and toolResult content \
                 blocks.",
            ),
            (
                json!({"messages": [user(json!([text("a")])), assistant(json!([call("t1")])), user(json!([result("t1"), result("t2")]))], "toolConfig": tools}),
                "The number of toolResult blocks at messages.2.content exceeds the number of \
                 toolUse blocks of previous turn.",
            ),
            (
                json!({"messages": [user(json!([text("a")])), assistant(json!([call("t1"), call("t2")])), user(json!([result("t1")]))], "toolConfig": tools}),
                "Expected toolResult blocks at messages.2.content for the following Ids: t2",
            ),
            (
                json!({"messages": [user(json!([text("a"), point.clone()])), assistant(json!([text("b"), point.clone()])), user(json!([text("c"), point.clone()]))],
                       "system": [text("s"), point.clone()], "toolConfig": {"tools": [tools["tools"][0].clone(), point]}}),
                "The number of cache points in the request is 5, which exceeds the maximum of 4. \
                 Remove cache points and try again.",
            ),
        ];
        for (body, expected) in cases {
            for operation in [Operation::Converse, Operation::ConverseStream] {
                assert_eq!(error_of(operation, body.clone()), expected, "{body}");
            }
            let count = json!({"input": {"converse": body}});
            assert_eq!(error_of(Operation::CountTokens, count), expected);
        }
        // What the encoder sends for the same conversations passes.
        let fine = json!({"messages": [user(json!([text("a")])), assistant(json!([call("t1"), call("t2")])),
                                      user(json!([result("t2"), result("t1")]))], "toolConfig": tools});
        assert!(parse_body(Operation::Converse, fine.to_string().as_bytes()).is_ok());
    }

    #[test]
    fn counts_every_problem() {
        let message = error_of(
            Operation::Converse,
            json!({"messages": [{"content": "x"}], "inferenceConfig": {"topP": -1}}),
        );
        assert!(
            message.starts_with("3 validation errors detected: "),
            "{message}"
        );
    }

    #[test]
    fn malformed_json_and_count_tokens_input() {
        let error = parse_body(Operation::Converse, b"{\"messages\": [").unwrap_err();
        assert!(
            error.message.starts_with("Malformed input request: "),
            "{}",
            error.message
        );
        assert_eq!(error.status, 400);
        let message = error_of(Operation::CountTokens, json!({"input": {}}));
        assert!(
            message.contains("exactly one of converse, invokeModel"),
            "{message}"
        );
        let message = error_of(
            Operation::CountTokens,
            json!({"input": {"converse": {"messages": [{"role": "user", "content": 1}]}}}),
        );
        assert!(
            message.contains("'input.converse.messages.1.member.content'"),
            "{message}"
        );
    }
}
