//! What the Python 3.12 runtime and the Lambda platform write to the
//! function's log around the handler's own output: the `[ERROR]` event and
//! the warning of an unhandled exception, and the `REPORT` line with its
//! billed duration (aws-behaviour.md §4).

use std::borrow::Cow;

/// The file the workshop's handler module is in.
pub const HANDLER_FILE: &str = "/var/task/lambda_function.py";

/// The event the runtime logs, before the `[ERROR]` event, when the handler
/// raises (awslambdaric's `lambda_unhandled_exception_warning_message`,
/// written as it is, without a newline).
pub const UNHANDLED_EXCEPTION_WARNING: &str = "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html";

/// One frame of a traceback in the handler's file, outermost first.
/// (Text of the handler's own, borrowed; owned once read from a snapshot.)
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Frame {
    pub line: u32,
    /// The function the line is in.
    pub function: Cow<'static, str>,
    /// The line's source text, stripped, as Python's traceback shows it.
    pub source: Cow<'static, str>,
}

/// An exception the handler did not catch: its type and message as Python
/// prints them (`KeyError: 'S'`) and where it was raised.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Crash {
    pub exception: String,
    pub frames: Vec<Frame>,
}

impl Crash {
    /// The `[ERROR]` event: the exception, then the traceback, one line per
    /// frame line, joined by `\r` so the whole traceback stays one event;
    /// the leading spaces of the traceback's lines become U+00A0 (the
    /// runtime's `ERROR_LOG_IDENT`), and the event ends with a newline.
    pub fn error_event(&self) -> String {
        let mut lines = vec![
            format!("[ERROR] {}", self.exception),
            "Traceback (most recent call last):".to_owned(),
        ];
        for frame in &self.frames {
            lines.push(indent_with_nbsp(&format!(
                "  File \"{HANDLER_FILE}\", line {}, in {}",
                frame.line, frame.function
            )));
            lines.push(indent_with_nbsp(&format!("    {}", frame.source)));
        }
        let mut event = lines.join("\r");
        event.push('\n');
        event
    }
}

/// The line with each of its leading spaces turned into a no-break space.
fn indent_with_nbsp(line: &str) -> String {
    let body = line.trim_start_matches(' ');
    let indent = line.len() - body.len();
    let mut out = String::with_capacity(line.len() + indent);
    out.extend(std::iter::repeat_n('\u{a0}', indent));
    out.push_str(body);
    out
}

/// A duration in hundredths of a millisecond, as `REPORT` prints it
/// (`15.74 ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Centis(pub i64);

impl std::fmt::Display for Centis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{:02}",
            self.0.div_euclid(100),
            self.0.rem_euclid(100)
        )
    }
}

/// Billed Duration as the current documentation computes it: the duration,
/// plus the init duration on a cold start, rounded up to the next
/// millisecond (15.74 + 130.49 = 146.23 bills 147).
pub fn billed_duration_ms(duration: Centis, init: Option<Centis>) -> i64 {
    let total = duration.0 + init.map_or(0, |i| i.0);
    (total + 99).div_euclid(100)
}

/// What the platform reports after an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report<'a> {
    pub request_id: &'a str,
    pub duration: Centis,
    /// `Some` on a cold start only.
    pub init: Option<Centis>,
    pub memory_size_mb: u32,
    pub max_memory_used_mb: u32,
}

impl Report<'_> {
    /// The `REPORT` line: tab-separated fields, each followed by a tab
    /// (so the line ends with one), `Init Duration` only on a cold start.
    pub fn line(&self) -> String {
        let mut line = format!(
            "REPORT RequestId: {}\tDuration: {} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
            self.request_id,
            self.duration,
            billed_duration_ms(self.duration, self.init),
            self.memory_size_mb,
            self.max_memory_used_mb,
        );
        if let Some(init) = self.init {
            line.push_str(&format!("Init Duration: {init} ms\t"));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billed_duration_adds_init_on_a_cold_start_and_rounds_up() {
        // The documentation's example: 15.74 ms + 130.49 ms init bills 147.
        assert_eq!(billed_duration_ms(Centis(1574), Some(Centis(13049))), 147);
        // Warm: the duration alone, rounded up to the next millisecond.
        assert_eq!(billed_duration_ms(Centis(1574), None), 16);
        // A whole number of milliseconds is not rounded further.
        assert_eq!(billed_duration_ms(Centis(1500), Some(Centis(300))), 18);
        assert_eq!(billed_duration_ms(Centis(1), None), 1);
    }

    #[test]
    fn the_report_line_is_tab_separated_with_a_trailing_tab() {
        let cold = Report {
            request_id: "r-1",
            duration: Centis(1574),
            init: Some(Centis(13049)),
            memory_size_mb: 128,
            max_memory_used_mb: 56,
        };
        assert_eq!(
            cold.line(),
            "REPORT RequestId: r-1\tDuration: 15.74 ms\tBilled Duration: 147 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms\t"
        );
        let warm = Report { init: None, ..cold };
        assert_eq!(
            warm.line(),
            "REPORT RequestId: r-1\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\t"
        );
        assert_eq!(Centis(5).to_string(), "0.05");
    }

    #[test]
    fn the_error_event_is_one_line_joined_by_cr_indented_with_nbsp() {
        let crash = Crash {
            exception: "KeyError: 'S'".to_owned(),
            frames: vec![Frame {
                line: 33,
                function: "lambda_handler".into(),
                source: "transformed_data[key] = event_data[key][\"S\"];".into(),
            }],
        };
        assert_eq!(
            crash.error_event(),
            "[ERROR] KeyError: 'S'\rTraceback (most recent call last):\r\u{a0}\u{a0}File \"/var/task/lambda_function.py\", line 33, in lambda_handler\r\u{a0}\u{a0}\u{a0}\u{a0}transformed_data[key] = event_data[key][\"S\"];\n"
        );
        assert!(UNHANDLED_EXCEPTION_WARNING.starts_with(
            "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However,"
        ));
        assert!(UNHANDLED_EXCEPTION_WARNING.ends_with("/runtimes-update.html"));
    }
}
