//! Rendering diagnostics for a terminal with ariadne (the CLI's view of the data).

use ariadne::{CharSet, Color, Config, IndexType, Label, Report, ReportKind, Source};

use crate::diagnostic::{Diagnostic, Severity};
use crate::span::LineIndex;

/// How to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// Use ANSI colours.
    pub color: bool,
    /// Draw with ASCII only (for logs and snapshots that must survive any terminal).
    pub ascii: bool,
}

/// Renders `diagnostic` about `text` (named `path`) as a terminal report. To render
/// many diagnostics of one file, build a [`FileRenderer`] once instead.
pub fn render(diagnostic: &Diagnostic, path: &str, text: &str, options: RenderOptions) -> String {
    FileRenderer::new(path, text, options).render(diagnostic)
}

/// Renders diagnostics of one file, indexing its text once.
pub struct FileRenderer<'t> {
    path: &'t str,
    text: &'t str,
    source: Source<&'t str>,
    index: LineIndex,
    options: RenderOptions,
}

impl<'t> FileRenderer<'t> {
    /// A renderer for `text`, shown as `path`.
    pub fn new(path: &'t str, text: &'t str, options: RenderOptions) -> FileRenderer<'t> {
        FileRenderer {
            path,
            text,
            source: Source::from(text),
            index: LineIndex::new(text),
            options,
        }
    }

    /// Renders one diagnostic about this file as a terminal report.
    pub fn render(&self, diagnostic: &Diagnostic) -> String {
        let (path, text, options) = (self.path, self.text, self.options);
        let kind = match diagnostic.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let colour = match diagnostic.severity {
            Severity::Error => Color::Red,
            Severity::Warning => Color::Yellow,
        };
        let config = Config::default()
            .with_index_type(IndexType::Byte)
            .with_color(options.color)
            .with_char_set(if options.ascii {
                CharSet::Ascii
            } else {
                CharSet::Unicode
            });
        let range = |span: crate::span::Span| clamp(span.range(), text.len());
        let primary = range(diagnostic.primary.span);
        let at = self.index.line_col(text, primary.start);
        let mut report = Report::build(kind, (path, primary.clone()))
            .with_config(config)
            .with_code(diagnostic.code.0)
            .with_message(format!("{} ({}:{}:{})", diagnostic.message, path, at.line, at.column))
            .with_label(
                Label::new((path, primary))
                    .with_message(&diagnostic.primary.message)
                    .with_color(colour)
                    .with_order(0),
            );
        for (i, label) in diagnostic.secondary.iter().enumerate() {
            report = report.with_label(
                Label::new((path, range(label.span)))
                    .with_message(&label.message)
                    .with_color(Color::Blue)
                    .with_order(i as i32 + 1),
            );
        }
        for note in &diagnostic.notes {
            report = report.with_note(note);
        }
        for fix in &diagnostic.fixes {
            report = report.with_help(fix_summary(fix, text, &self.index));
        }
        let mut out = Vec::new();
        report
            .finish()
            .write((path, &self.source), &mut out)
            .expect("writing to a Vec cannot fail");
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn fix_summary(fix: &crate::diagnostic::Fix, text: &str, index: &LineIndex) -> String {
    match fix.edits.as_slice() {
        [edit] if edit.replacement.is_empty() => fix.title.clone(),
        [edit] if edit.span.start == edit.span.end => {
            let at = index.line_col(text, edit.span.start as usize);
            format!(
                "{}: insert `{}` at {}:{}",
                fix.title,
                edit.replacement.trim_end(),
                at.line,
                at.column
            )
        }
        _ => fix.title.clone(),
    }
}

fn clamp(range: std::ops::Range<usize>, len: usize) -> std::ops::Range<usize> {
    let start = range.start.min(len);
    start..range.end.clamp(start, len)
}
