//! Usage and cost: token counts in one provider-neutral form ([`Usage`]), priced with a catalog
//! row's [`Prices`] under its [`BillingPolicy`]. Nothing here knows a wire API: each provider's
//! module normalizes its own counts (`converse::TokenUsage::to_usage`, `responses::usage_from`).
//!
//! ```
//! use bedrock_core::billing::{cost, Usage};
//! use bedrock_core::catalog::{BillingPolicy, Price, Prices};
//!
//! // 100 uncached input tokens, 1,000 read from the prompt cache, 1,000 written to it with the
//! // 1-hour TTL, 50 output (each wire API's counts are normalized to this by its module, e.g.
//! // `converse::TokenUsage::to_usage`).
//! let usage: Usage = serde_json::from_str(
//!     r#"{"input_tokens": 100, "cache_read_tokens": 1000, "cache_write_tokens": 1000,
//!         "cache_write_5m_tokens": 0, "cache_write_1h_tokens": 1000,
//!         "output_tokens": 50, "total_tokens": 2150}"#,
//! )?;
//! assert_eq!(usage.total_input(), 2100);
//!
//! // $3 / $15 per million, cache reads $0.30.
//! let prices = Prices { input: Price(3_000_000), output: Price(15_000_000), cache_read: Price(300_000) };
//! let cost = cost(&usage, &prices, BillingPolicy::Anthropic);
//! assert_eq!(cost.cache_write.0, 6_000_000_000); // 1,000 x $3/M x 2 (1-hour TTL) = $0.006
//! assert_eq!(cost.total.usd(), 0.00735);
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! # Representation
//!
//! Costs are integers in [`Picodollars`] (10⁻¹² USD): a catalog price is picodollars per token,
//! so `tokens × price` is exact and the same on every platform. Arithmetic saturates at
//! `u64::MAX` picodollars (about $18.4 million) instead of overflowing. The one division, the
//! 5-minute write surcharge (×5/4), rounds down to a whole picodollar.
//!
//! In JSON a [`Cost`] is an object of USD amounts, each the nearest `f64` to
//! `picodollars / 10¹²` written by serde_json (shortest round-trip form, e.g. `0.0105`, `0.00003`,
//! `0.0`; never an integer literal), so the same usage always gives the same bytes:
//!
//! ```json
//! {"input": 0.0003, "cache_read": 0.0003, "cache_write": 0.006, "output": 0.00075, "total": 0.00735}
//! ```

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::catalog::{BillingPolicy, ModelInfo, Price, Prices};

/// Token usage, normalized from what the service reports.
///
/// Serialized with these snake_case member names. `input_tokens` is uncached input, exactly
/// Bedrock's `inputTokens`, which already excludes tokens read from or written to the prompt
/// cache (adding the cache counts to it again is the double count several peers ship). An adapter
/// for an API that reports input *including* cached tokens (OpenAI's `input_tokens` with
/// `cached_tokens`) must subtract them before filling this in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Usage {
    /// Uncached input tokens.
    pub input_tokens: u64,
    /// Input tokens read from the prompt cache.
    pub cache_read_tokens: u64,
    /// Input tokens written to the prompt cache, all TTLs:
    /// `cache_write_5m_tokens + cache_write_1h_tokens`.
    pub cache_write_tokens: u64,
    /// Cache writes with the 5-minute TTL (and writes whose TTL was not reported).
    pub cache_write_5m_tokens: u64,
    /// Cache writes with the 1-hour TTL.
    pub cache_write_1h_tokens: u64,
    /// Output tokens, reasoning included.
    pub output_tokens: u64,
    /// The total exactly as the service reported it (not recomputed).
    pub total_tokens: u64,
    /// Output tokens spent on reasoning, already counted in `output_tokens` (the Responses API's
    /// `output_tokens_details.reasoning_tokens`; Converse does not report it). Omitted from JSON
    /// when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reasoning_tokens: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Usage {
    /// All input the model processed: uncached + cache reads + cache writes.
    pub fn total_input(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.cache_read_tokens)
            .saturating_add(self.cache_write_tokens)
    }
}

/// An amount of money in picodollars (10⁻¹² USD).
///
/// Serialized as a JSON number of US dollars (see the [module docs](self)); deserialized from one
/// by rounding to the nearest picodollar, which gives back the same value for any amount below
/// 2⁵³ picodollars (about $9,000).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Picodollars(pub u64);

impl Picodollars {
    /// The amount in US dollars, the nearest `f64`.
    #[expect(
        clippy::cast_precision_loss,
        reason = "exact below 2^53 picodollars; the nearest f64 above"
    )]
    pub fn usd(self) -> f64 {
        self.0 as f64 / 1e12
    }

    /// `self + other`, stopping at the largest amount.
    #[must_use]
    pub fn saturating_add(self, other: Self) -> Self {
        Self(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Picodollars {
    /// Dollars with all twelve decimals: `$0.007350000000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dollars = self.0 / 1_000_000_000_000;
        let fraction = self.0 % 1_000_000_000_000;
        write!(f, "${dollars}.{fraction:012}")
    }
}

impl Serialize for Picodollars {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.usd())
    }
}

impl<'de> Deserialize<'de> for Picodollars {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let usd = f64::deserialize(d)?;
        if !usd.is_finite() || usd < 0.0 {
            return Err(serde::de::Error::custom(
                "a cost must be a non-negative number of US dollars",
            ));
        }
        // `as` saturates for values beyond u64 and the check above excludes NaN. `f64::round`
        // needs std, so round half up by hand.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "non-negative and finite, saturating"
        )]
        Ok(Self((usd * 1e12 + 0.5) as u64))
    }
}

/// What a call cost, per token class, in [`Picodollars`].
///
/// `total` is the saturating sum of the four classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cost {
    /// Uncached input.
    pub input: Picodollars,
    /// Input read from the prompt cache.
    pub cache_read: Picodollars,
    /// Input written to the prompt cache.
    pub cache_write: Picodollars,
    /// Output.
    pub output: Picodollars,
    /// The sum of the above.
    pub total: Picodollars,
}

impl Cost {
    /// The total in US dollars.
    pub fn usd(&self) -> f64 {
        self.total.usd()
    }
}

/// Prices `usage` under `policy`.
///
/// - [`BillingPolicy::Anthropic`]: uncached input at `prices.input`; cache reads at
///   `prices.cache_read`; cache writes at 1.25x `prices.input` for the 5-minute TTL and 2x for the
///   1-hour TTL; output at `prices.output`.
/// - [`BillingPolicy::OpenAi`]: cached input (`cache_read_tokens`) at `prices.cache_read`; cache
///   writes carry no surcharge and are billed as plain input; the rest as above.
pub fn cost(usage: &Usage, prices: &Prices, policy: BillingPolicy) -> Cost {
    let cache_write = match policy {
        // "5-minute cache writes cost 1.25 times the base input price; 1-hour writes 2 times."
        BillingPolicy::Anthropic => times(usage.cache_write_5m_tokens, prices.input, 5, 4)
            .saturating_add(times(usage.cache_write_1h_tokens, prices.input, 2, 1)),
        BillingPolicy::OpenAi => times(usage.cache_write_tokens, prices.input, 1, 1),
    };
    let input = times(usage.input_tokens, prices.input, 1, 1);
    let cache_read = times(usage.cache_read_tokens, prices.cache_read, 1, 1);
    let output = times(usage.output_tokens, prices.output, 1, 1);
    let total = input
        .saturating_add(cache_read)
        .saturating_add(cache_write)
        .saturating_add(output);
    Cost {
        input,
        cache_read,
        cache_write,
        output,
        total,
    }
}

/// What `usage` cost on `model`, priced from its row ([`cost`] under its billing policy); `None`
/// when the row has no prices (a new user model without `costs`, an uncataloged id).
pub(crate) fn cost_for(usage: &Usage, model: &ModelInfo) -> Option<Cost> {
    let priced = model.prices.input.0 > 0 || model.prices.output.0 > 0;
    priced.then(|| cost(usage, &model.prices, model.billing))
}

/// `tokens × price × numerator / denominator`, rounded down, saturating at `u64::MAX`.
fn times(tokens: u64, price: Price, numerator: u128, denominator: u128) -> Picodollars {
    // u64 × u64 always fits in u128; only the multiplier can overflow it.
    let exact = u128::from(tokens)
        .saturating_mul(u128::from(price.0))
        .saturating_mul(numerator)
        / denominator;
    Picodollars(u64::try_from(exact).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use serde_json::json;

    /// $3 / $15 per million, cache reads $0.30.
    const SONNET: Prices = Prices {
        input: Price(3_000_000),
        output: Price(15_000_000),
        cache_read: Price(300_000),
    };

    fn usage(input: u64, read: u64, write_5m: u64, write_1h: u64, output: u64) -> Usage {
        Usage {
            input_tokens: input,
            cache_read_tokens: read,
            cache_write_tokens: write_5m + write_1h,
            cache_write_5m_tokens: write_5m,
            cache_write_1h_tokens: write_1h,
            output_tokens: output,
            total_tokens: input + read + write_5m + write_1h + output,
            reasoning_tokens: 0,
        }
    }

    #[test]
    fn anthropic_policy_by_hand() {
        // 1,000 in, 2,000 read, 4,000 written 5m, 8,000 written 1h, 500 out.
        let c = cost(
            &usage(1_000, 2_000, 4_000, 8_000, 500),
            &SONNET,
            BillingPolicy::Anthropic,
        );
        assert_eq!(c.input, Picodollars(3_000_000_000)); // $0.003
        assert_eq!(c.cache_read, Picodollars(600_000_000)); // 2,000 × $0.30/M = $0.0006
        // 4,000 × $3.75/M = $0.015; 8,000 × $6/M = $0.048.
        assert_eq!(c.cache_write, Picodollars(15_000_000_000 + 48_000_000_000));
        assert_eq!(c.output, Picodollars(7_500_000_000)); // $0.0075
        assert_eq!(c.total, Picodollars(74_100_000_000)); // $0.0741
        assert_eq!(c.usd(), 0.0741);
    }

    #[test]
    fn five_minute_and_one_hour_writes_differ() {
        let five = cost(&usage(0, 0, 1, 0, 0), &SONNET, BillingPolicy::Anthropic);
        let hour = cost(&usage(0, 0, 0, 1, 0), &SONNET, BillingPolicy::Anthropic);
        assert_eq!(five.cache_write, Picodollars(3_750_000)); // 1.25 × 3,000,000
        assert_eq!(hour.cache_write, Picodollars(6_000_000)); // 2 × 3,000,000
    }

    #[test]
    fn the_five_minute_surcharge_rounds_down_to_a_picodollar() {
        let odd = Prices {
            input: Price(3),
            ..SONNET
        };
        // 1 × 3 × 5 / 4 = 3.75 → 3; 3 × 3 × 5 / 4 = 11.25 → 11.
        let one = cost(&usage(0, 0, 1, 0, 0), &odd, BillingPolicy::Anthropic);
        let three = cost(&usage(0, 0, 3, 0, 0), &odd, BillingPolicy::Anthropic);
        assert_eq!((one.cache_write.0, three.cache_write.0), (3, 11));
    }

    #[test]
    fn openai_policy_by_hand() {
        // $2.50 in / $15 out / $0.25 cached.
        let gpt = Prices {
            input: Price(2_500_000),
            output: Price(15_000_000),
            cache_read: Price(250_000),
        };
        let c = cost(
            &usage(1_000, 4_000, 300, 700, 200),
            &gpt,
            BillingPolicy::OpenAi,
        );
        assert_eq!(c.input, Picodollars(2_500_000_000)); // $0.0025
        assert_eq!(c.cache_read, Picodollars(1_000_000_000)); // 4,000 × $0.25/M = $0.001
        // Writes, both TTLs, at the plain input price: 1,000 × $2.50/M = $0.0025.
        assert_eq!(c.cache_write, Picodollars(2_500_000_000));
        assert_eq!(c.output, Picodollars(3_000_000_000)); // $0.003
        assert_eq!(c.total, Picodollars(9_000_000_000)); // $0.009
    }

    #[test]
    fn zero_usage_costs_nothing() {
        for policy in [BillingPolicy::Anthropic, BillingPolicy::OpenAi] {
            let c = cost(&Usage::default(), &SONNET, policy);
            assert_eq!(c, Cost::default());
            assert_eq!(c.usd(), 0.0);
        }
        let free = cost(
            &usage(10, 10, 10, 10, 10),
            &Prices::default(),
            BillingPolicy::Anthropic,
        );
        assert_eq!(free.total, Picodollars(0));
    }

    #[test]
    fn huge_counts_saturate_instead_of_overflowing() {
        let max = u64::MAX;
        let huge = Usage {
            input_tokens: max,
            cache_read_tokens: max,
            cache_write_tokens: max,
            cache_write_5m_tokens: max / 2,
            cache_write_1h_tokens: max - max / 2,
            output_tokens: max,
            reasoning_tokens: 0,
            total_tokens: max,
        };
        let dear = Prices {
            input: Price(max),
            output: Price(max),
            cache_read: Price(max),
        };
        for policy in [BillingPolicy::Anthropic, BillingPolicy::OpenAi] {
            let c = cost(&huge, &dear, policy);
            assert_eq!(c.total, Picodollars(max));
            assert_eq!(c.cache_write, Picodollars(max));
        }
        assert_eq!(huge.total_input(), max);

        // Large but representable: a billion tokens at $75/M is exactly $75,000.
        let big = cost(
            &usage(1_000_000_000, 0, 0, 0, 0),
            &Prices {
                input: Price(75_000_000),
                ..SONNET
            },
            BillingPolicy::Anthropic,
        );
        assert_eq!(big.input, Picodollars(75_000_000_000_000_000));
        assert_eq!(big.input.to_string(), "$75000.000000000000");
    }

    #[test]
    fn json_shapes() {
        let u = usage(1_000, 100, 0, 2_000, 500);
        assert_eq!(
            serde_json::to_value(u).unwrap(),
            json!({
                "input_tokens": 1000, "cache_read_tokens": 100, "cache_write_tokens": 2000,
                "cache_write_5m_tokens": 0, "cache_write_1h_tokens": 2000,
                "output_tokens": 500, "total_tokens": 3600
            })
        );
        let c = cost(&u, &SONNET, BillingPolicy::Anthropic);
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(
            text,
            r#"{"input":0.003,"cache_read":0.00003,"cache_write":0.012,"output":0.0075,"total":0.02253}"#
        );
        let back: Cost = serde_json::from_str(&text).unwrap();
        assert_eq!(back, c);
        assert_eq!(
            serde_json::to_string(&Cost::default()).unwrap(),
            r#"{"input":0.0,"cache_read":0.0,"cache_write":0.0,"output":0.0,"total":0.0}"#
        );
        assert!(serde_json::from_str::<Picodollars>("-1.0").is_err());
        assert_eq!(Picodollars(7_350_000_000).to_string(), "$0.007350000000");
    }
}
