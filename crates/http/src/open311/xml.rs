//! A small XML writer for the Open311 responses: elements of text, nested lists, escaping by
//! `quick-xml`.

use quick_xml::escape::escape;

/// One XML node: a text element or an element with children.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(&'static str, String),
    Parent(&'static str, Vec<Node>),
}

impl Node {
    pub fn text(name: &'static str, value: impl ToString) -> Self {
        Self::Text(name, value.to_string())
    }

    pub fn opt(name: &'static str, value: Option<impl ToString>) -> Self {
        Self::Text(name, value.map(|v| v.to_string()).unwrap_or_default())
    }

    fn write(&self, out: &mut String) {
        match self {
            Self::Text(name, v) if v.is_empty() => {
                out.push('<');
                out.push_str(name);
                out.push_str("/>");
            }
            Self::Text(name, v) => {
                out.push_str(&format!("<{name}>{}</{name}>", escape(v.as_str())));
            }
            Self::Parent(name, children) => {
                out.push_str(&format!("<{name}>"));
                for c in children {
                    c.write(out);
                }
                out.push_str(&format!("</{name}>"));
            }
        }
    }
}

/// A whole document with the XML declaration.
pub(crate) fn document(root: &Node) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    root.write(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_empty_elements_are_closed() {
        let doc = document(&Node::Parent(
            "errors",
            vec![Node::Parent(
                "error",
                vec![
                    Node::text("code", 400),
                    Node::text("description", "a < b & \"c\""),
                    Node::opt("token", None::<String>),
                ],
            )],
        ));
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><errors><error><code>400</code>\
             <description>a &lt; b &amp; &quot;c&quot;</description><token/></error></errors>"
        );
    }
}
