//! Go doc comments as rustdoc Markdown, above the evidence lines of the
//! items they document: prose as it is, with what Markdown would take for
//! links or HTML tags escaped (`[Name]` is a Go doc link, not a Rust one), and
//! Go's indented blocks (code, mostly) as `text` blocks, so that rustdoc
//! neither runs them as Rust doctests nor reflows them.

/// The Markdown for the text of a Go doc comment (`GoFunc::doc`).
pub fn markdown(go: &str) -> String {
    let lines: Vec<&str> = go.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !indented(lines[i]) {
            out.push(escape(lines[i]));
            i += 1;
            continue;
        }
        // A block runs over indented lines and the blank lines between them.
        let mut end = i;
        while end < lines.len() && (indented(lines[end]) || lines[end].trim().is_empty()) {
            end += 1;
        }
        while lines[end - 1].trim().is_empty() {
            end -= 1;
        }
        let block: Vec<String> = lines[i..end].iter().map(|l| l.replace('\t', "    ")).collect();
        let indent = block
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        if out.last().is_some_and(|l| !l.is_empty()) {
            out.push(String::new());
        }
        out.push("```text".into());
        out.extend(
            block
                .iter()
                .map(|l| l.get(indent..).unwrap_or("").trim_end().to_string()),
        );
        out.push("```".into());
        if lines.get(end).is_some_and(|l| !l.trim().is_empty()) {
            out.push(String::new());
        }
        i = end;
    }
    out.join("\n")
}

fn indented(line: &str) -> bool {
    line.starts_with([' ', '\t']) && !line.trim().is_empty()
}

/// One line of prose, with the Markdown that would misread it escaped.
fn escape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for (i, c) in line.chars().enumerate() {
        match c {
            '\\' | '[' | ']' | '<' => out.push('\\'),
            '#' if i == 0 => out.push('\\'),
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::markdown;

    #[test]
    fn prose_keeps_its_words_and_loses_its_links_and_tags() {
        assert_eq!(
            markdown("Greet returns a [Greeting] for name.\n\nSee <https://go.dev> and a\\b.\n# Heading"),
            "Greet returns a \\[Greeting\\] for name.\n\nSee \\<https://go.dev> and a\\\\b.\n\\# Heading"
        );
    }

    #[test]
    fn indented_go_is_a_text_block_not_a_doctest() {
        let go = "Example:\n\tx := greet(\"Ada\")\n\n\tif x == \"\" {\n\t\tpanic(x)\n\t}\nDone.";
        assert_eq!(
            markdown(go),
            "Example:\n\n```text\nx := greet(\"Ada\")\n\nif x == \"\" {\n    panic(x)\n}\n```\n\nDone."
        );
    }
}
