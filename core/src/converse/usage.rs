//! Converse's token counts ([`TokenUsage`]) in the neutral form ([`Usage`]) that
//! [`billing`](crate::billing) prices.

use super::response::TokenUsage;
use crate::billing::Usage;

impl TokenUsage {
    /// This Converse `usage` object (also the `metadata` event's) in the neutral form.
    ///
    /// The TTL split comes from `cacheDetails` (`5m` / `1h`). Writes the details do not account
    /// for count as 5-minute writes: that covers `cacheWriteInputTokens` reported without
    /// details (Bedrock's default TTL is 5 minutes) and a TTL this version does not know. When the
    /// details add up to more than `cacheWriteInputTokens`, their sum is the total.
    ///
    /// ```
    /// use bedrock_core::converse::TokenUsage;
    ///
    /// // As a Converse response reports it: `inputTokens` excludes the cached tokens.
    /// let wire: TokenUsage = serde_json::from_str(
    ///     r#"{"inputTokens": 100, "outputTokens": 50, "totalTokens": 2150,
    ///         "cacheReadInputTokens": 1000, "cacheWriteInputTokens": 1000,
    ///         "cacheDetails": [{"ttl": "1h", "inputTokens": 1000}]}"#,
    /// )?;
    /// let usage = wire.to_usage();
    /// assert_eq!(usage.total_input(), 2100);
    /// assert_eq!(usage.cache_write_1h_tokens, 1000);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn to_usage(&self) -> Usage {
        let usage = self;
        let mut detailed = 0u64;
        let mut one_hour = 0u64;
        for detail in usage.cache_details.iter().flatten() {
            detailed = detailed.saturating_add(detail.input_tokens);
            if detail.ttl == "1h" {
                one_hour = one_hour.saturating_add(detail.input_tokens);
            }
        }
        let cache_write_tokens = usage.cache_write_input_tokens.unwrap_or(0).max(detailed);
        Usage {
            input_tokens: usage.input_tokens,
            cache_read_tokens: usage.cache_read_input_tokens.unwrap_or(0),
            cache_write_tokens,
            cache_write_5m_tokens: cache_write_tokens - one_hour,
            cache_write_1h_tokens: one_hour,
            output_tokens: usage.output_tokens,
            total_tokens: usage.total_tokens,
            reasoning_tokens: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use serde_json::json;

    use super::*;
    use crate::converse::CacheDetail;

    fn wire(json: serde_json::Value) -> TokenUsage {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn input_tokens_are_taken_as_reported_never_reduced_by_cache_counts() {
        let u = wire(json!({
            "inputTokens": 12, "outputTokens": 7, "totalTokens": 2019,
            "cacheReadInputTokens": 1500, "cacheWriteInputTokens": 500
        }))
        .to_usage();
        assert_eq!(u.input_tokens, 12);
        assert_eq!(u.cache_read_tokens, 1500);
        assert_eq!(u.cache_write_tokens, 500);
        // No details: the writes are 5-minute writes.
        assert_eq!((u.cache_write_5m_tokens, u.cache_write_1h_tokens), (500, 0));
        assert_eq!(u.total_input(), 2012);
        assert_eq!(u.total_tokens, 2019);
    }

    #[test]
    fn cache_details_split_writes_by_ttl() {
        let mut t = wire(json!({"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}));
        t.cache_write_input_tokens = Some(300);
        t.cache_details = Some(vec![
            CacheDetail {
                ttl: "5m".into(),
                input_tokens: 100,
            },
            CacheDetail {
                ttl: "1h".into(),
                input_tokens: 200,
            },
        ]);
        let u = t.to_usage();
        assert_eq!(u.cache_write_tokens, 300);
        assert_eq!(
            (u.cache_write_5m_tokens, u.cache_write_1h_tokens),
            (100, 200)
        );

        // Writes the details leave out count as 5-minute writes...
        t.cache_write_input_tokens = Some(350);
        let u = t.to_usage();
        assert_eq!(
            (u.cache_write_5m_tokens, u.cache_write_1h_tokens),
            (150, 200)
        );
        // ...and details that add up to more than the reported total win.
        t.cache_write_input_tokens = None;
        let u = t.to_usage();
        assert_eq!(u.cache_write_tokens, 300);
        // An unknown TTL is billed like the default one.
        t.cache_details = Some(vec![CacheDetail {
            ttl: "24h".into(),
            input_tokens: 40,
        }]);
        let u = t.to_usage();
        assert_eq!((u.cache_write_5m_tokens, u.cache_write_1h_tokens), (40, 0));
    }

    #[test]
    fn detail_sums_saturate() {
        let max = u64::MAX;
        let mut t = wire(json!({"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}));
        t.cache_details = Some(vec![
            CacheDetail {
                ttl: "1h".into(),
                input_tokens: max,
            },
            CacheDetail {
                ttl: "1h".into(),
                input_tokens: 1,
            },
        ]);
        let u = t.to_usage();
        assert_eq!((u.cache_write_tokens, u.cache_write_1h_tokens), (max, max));
        assert_eq!(u.cache_write_5m_tokens, 0);
    }
}
