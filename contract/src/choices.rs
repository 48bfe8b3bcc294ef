//! The enumerated settings: record format, flush strategy and Telemetry API types, with
//! their wire strings and the one help text every tool shows for them.

use std::fmt;
use std::str::FromStr;

/// A value that is none of a setting's choices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not one of {expected}")]
pub struct UnknownChoice {
    /// The value given.
    pub value: String,
    /// The accepted values, as a person reads them (`json or kpl`).
    pub expected: String,
}

/// Joins choices as a person reads them: `a, b or c`.
pub fn one_of(values: &[&str]) -> String {
    match values {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

macro_rules! choice {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(#default $default:ident;)?
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, help = $help:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// Every choice, in documentation order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The value as written in the environment variable and on command lines.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// What the choice does, in one line (shared by `--help` and the README).
            pub const fn help(self) -> &'static str {
                match self {
                    $(Self::$variant => $help,)+
                }
            }

            /// The accepted values, as a person reads them.
            pub fn expected() -> String {
                one_of(&[$($text),+])
            }
        }

        $(
            impl $name {
                /// The value used when none is configured.
                pub const DEFAULT: Self = Self::$default;
            }

            impl Default for $name {
                fn default() -> Self {
                    Self::DEFAULT
                }
            }
        )?

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownChoice;
            fn from_str(text: &str) -> Result<Self, UnknownChoice> {
                let trimmed = text.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|choice| choice.as_str() == trimmed)
                    .ok_or_else(|| UnknownChoice {
                        value: text.to_owned(),
                        expected: Self::expected(),
                    })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "clap")]
        impl clap::ValueEnum for $name {
            fn value_variants<'a>() -> &'a [Self] {
                Self::ALL
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.as_str()).help(self.help()))
            }
        }
    };
}

choice! {
    /// How events become Kinesis records (`TELEMETRY_KINESIS_RECORD_FORMAT`).
    RecordFormat {
        #default Json;
        /// One JSON event per Kinesis record.
        Json = "json", help = "one event per Kinesis record, as JSON";
        /// KPL aggregated records: many events per Kinesis record.
        Kpl = "kpl", help = "KPL aggregated records: many events per Kinesis record, far fewer PUT payload units; consumers de-aggregate (KCL, Firehose, aws-kinesis-agg)";
    }
}

choice! {
    /// When buffered events are sent (`TELEMETRY_KINESIS_FLUSH`).
    FlushStrategy {
        #default Adaptive;
        /// Background sending, plus an end-of-invocation flush for rarely invoked functions.
        Adaptive = "adaptive", help = "send while the function runs, and flush before the freeze when the function is invoked rarely (first invocation, or over 10 s since the previous) or nothing was drained for 30 s";
        /// Flush after each invocation's `platform.runtimeDone`, before calling `next`.
        End = "end", help = "flush after every invocation's platform.runtimeDone, before the environment may freeze (adds post-runtime duration)";
        /// Send while the environment runs; never hold up `next`.
        Background = "background", help = "send while the function runs, never delaying the next invocation; what is left waits for the next thaw or SHUTDOWN";
    }
}

choice! {
    /// A Telemetry API event type (`TELEMETRY_KINESIS_TYPES`).
    TelemetryType {
        /// `platform.*` events.
        Platform = "platform", help = "platform.* events: init, start, runtimeDone, report, restore";
        /// The function's log lines.
        Function = "function", help = "the function's log lines";
        /// Extensions' log lines.
        Extension = "extension", help = "extensions' log lines";
    }
}

choice! {
    /// Whether undeliverable events are written to the extension's output
    /// (`TELEMETRY_KINESIS_SPILL`).
    Spill {
        #default On;
        /// Spill.
        On = "on", help = "events that cannot be delivered (Kinesis unreachable at SHUTDOWN, a signal, the memory cap) are written to the function's CloudWatch Logs as spill lines that `deployer recover` re-sends";
        /// Do not spill.
        Off = "off", help = "such events are dropped and counted";
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn strings_round_trip_and_unknown_values_name_the_choices() {
        for format in RecordFormat::ALL {
            assert_eq!(format.as_str().parse::<RecordFormat>().unwrap(), *format);
        }
        assert_eq!(
            " end ".parse::<FlushStrategy>().unwrap(),
            FlushStrategy::End
        );
        let error = "never".parse::<FlushStrategy>().unwrap_err();
        assert_eq!(error.expected, "adaptive, end or background");
        assert_eq!(
            error.to_string(),
            "\"never\" is not one of adaptive, end or background"
        );
        assert_eq!(RecordFormat::expected(), "json or kpl");
        assert_eq!(
            serde_json::to_string(&TelemetryType::Platform).unwrap(),
            "\"platform\""
        );
    }

    #[test]
    fn one_of_reads_naturally() {
        assert_eq!(one_of(&["a"]), "a");
        assert_eq!(one_of(&["a", "b"]), "a or b");
        assert_eq!(one_of(&["a", "b", "c"]), "a, b or c");
    }
}
