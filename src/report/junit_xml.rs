//! A JUnit XML document written as it goes through quick-xml's writer (its escaping and
//! indentation), in the shape Jenkins xunit's `junit-10.xsd` accepts: no `skipped` and no
//! `timestamp` on `<testsuites>`, no `file` on `<testcase>`. Used by the run's report and by
//! the parity report. Text is given already made XML-safe (`escape::xml_safe`).
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::io::{self, Write};
use std::time::Duration;

/// quick-xml writes an event in several small pieces (indent, `<`, name, each attribute): a
/// buffer of the writer's own takes them as copies rather than calls through `dyn Write`.
type XmlWriter<'w> = quick_xml::Writer<io::BufWriter<&'w mut dyn Write>>;

/// How many test cases, and how many of them failed, errored or were skipped.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub tests: usize,
    pub failures: usize,
    pub errors: usize,
    pub skipped: usize,
}

/// A `<testsuite>`'s attributes.
pub(crate) struct Suite<'a> {
    pub name: &'a str,
    pub counts: Counts,
    /// RFC 3339.
    pub timestamp: Option<String>,
    pub time: Option<Duration>,
    pub file: Option<&'a str>,
}

/// `<failure>`, `<error>` or `<skipped>`: a message, and a type and a description.
pub(crate) struct NonSuccess {
    pub tag: &'static str,
    pub message: String,
    pub kind: Option<&'static str>,
    pub description: Option<String>,
}

pub(crate) struct JunitWriter<'w> {
    w: XmlWriter<'w>,
}

fn push_count(e: &mut BytesStart<'_>, name: &str, n: usize) {
    e.push_attribute((name, n.to_string().as_str()));
}

/// Seconds with millisecond precision, as JUnit readers expect (`1.234`).
fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

impl<'w> JunitWriter<'w> {
    /// The declaration and `<testsuites name tests failures errors [time]>`.
    pub fn start(
        out: &'w mut dyn Write,
        name: &str,
        counts: Counts,
        time: Option<Duration>,
    ) -> io::Result<Self> {
        let mut w = quick_xml::Writer::new_with_indent(
            io::BufWriter::with_capacity(128 * 1024, out),
            b' ',
            4,
        );
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let mut root = BytesStart::new("testsuites");
        root.push_attribute(("name", name));
        push_count(&mut root, "tests", counts.tests);
        push_count(&mut root, "failures", counts.failures);
        push_count(&mut root, "errors", counts.errors);
        if let Some(t) = time {
            root.push_attribute(("time", seconds(t).as_str()));
        }
        w.write_event(Event::Start(root))?;
        Ok(JunitWriter { w })
    }

    /// `<testsuite …>` and its `<properties>` (none written when `properties` is empty).
    pub fn start_suite(&mut self, s: &Suite<'_>, properties: &[(&str, String)]) -> io::Result<()> {
        let mut e = BytesStart::new("testsuite");
        e.push_attribute(("name", s.name));
        push_count(&mut e, "tests", s.counts.tests);
        push_count(&mut e, "skipped", s.counts.skipped);
        push_count(&mut e, "errors", s.counts.errors);
        push_count(&mut e, "failures", s.counts.failures);
        if let Some(ts) = &s.timestamp {
            e.push_attribute(("timestamp", ts.as_str()));
        }
        if let Some(t) = s.time {
            e.push_attribute(("time", seconds(t).as_str()));
        }
        if let Some(f) = s.file {
            e.push_attribute(("file", f));
        }
        self.w.write_event(Event::Start(e))?;
        if properties.is_empty() {
            return Ok(());
        }
        self.w
            .write_event(Event::Start(BytesStart::new("properties")))?;
        for (name, value) in properties {
            let mut p = BytesStart::new("property");
            p.push_attribute(("name", *name));
            p.push_attribute(("value", value.as_str()));
            self.w.write_event(Event::Empty(p))?;
        }
        self.w.write_event(Event::End(BytesEnd::new("properties")))
    }

    /// One `<testcase>`: its status (none: passed) and its `<system-out>`.
    pub fn test_case(
        &mut self,
        name: &str,
        classname: &str,
        time: Option<Duration>,
        status: Option<&NonSuccess>,
        system_out: Option<&str>,
    ) -> io::Result<()> {
        let mut e = BytesStart::new("testcase");
        e.push_attribute(("name", name));
        e.push_attribute(("classname", classname));
        if let Some(t) = time {
            e.push_attribute(("time", seconds(t).as_str()));
        }
        if status.is_none() && system_out.is_none() {
            return self.w.write_event(Event::Empty(e));
        }
        self.w.write_event(Event::Start(e))?;
        if let Some(n) = status {
            let mut s = BytesStart::new(n.tag);
            s.push_attribute(("message", n.message.as_str()));
            if let Some(kind) = n.kind {
                s.push_attribute(("type", kind));
            }
            match n.description.as_deref().filter(|d| !d.is_empty()) {
                Some(text) => {
                    self.w.write_event(Event::Start(s))?;
                    self.w.write_event(Event::Text(BytesText::new(text)))?;
                    self.w.write_event(Event::End(BytesEnd::new(n.tag)))?;
                }
                None => self.w.write_event(Event::Empty(s))?,
            }
        }
        if let Some(text) = system_out {
            self.w
                .write_event(Event::Start(BytesStart::new("system-out")))?;
            self.w.write_event(Event::Text(BytesText::new(text)))?;
            self.w
                .write_event(Event::End(BytesEnd::new("system-out")))?;
        }
        self.w.write_event(Event::End(BytesEnd::new("testcase")))
    }

    pub fn end_suite(&mut self) -> io::Result<()> {
        self.w.write_event(Event::End(BytesEnd::new("testsuite")))
    }

    /// Closes `<testsuites>` and flushes.
    pub fn finish(mut self) -> io::Result<()> {
        self.w
            .write_event(Event::End(BytesEnd::new("testsuites")))?;
        let mut out = self.w.into_inner();
        out.write_all(b"\n")?;
        out.flush()?;
        out.into_inner().map_err(|e| e.into_error())?.flush()
    }
}
