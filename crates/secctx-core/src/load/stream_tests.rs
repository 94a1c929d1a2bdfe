//! The stream gives what reading the whole text gives: the same objects, errors, skipped
//! kinds, warnings and `# Source:` of every object, for every way a stream can be cut.

use std::io::BufReader;
use std::sync::Arc;

use super::*;
use crate::check::SourceMap;

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: NAME\nspec:\n  containers:\n  - name: c\n    image: i\n";

fn pod(name: &str) -> String {
    POD.replace("NAME", name)
}

/// Everything loaded, as text, with each object's source.
fn whole(text: &[u8], limit: usize, opts: &LoadOptions) -> Result<String, String> {
    let bounded = read_bounded(text, limit).map_err(|e| e.to_string())?;
    let loaded = load_with_limits("f", &bounded.text, &bounded.too_large, opts);
    let map = SourceMap::scan(&bounded.text);
    let sources: Vec<Option<&str>> = loaded
        .objects
        .iter()
        .map(|o| map.as_ref().and_then(|m| m.source_at(origin(o).pos().line)))
        .collect();
    Ok(format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}\n{}",
        loaded.objects,
        loaded.errors,
        loaded.warnings,
        loaded.skipped,
        sources,
        loaded.documents,
        bounded.bytes_read
    ))
}

fn streamed(
    text: &[u8],
    limit: usize,
    opts: &LoadOptions,
    buffer: usize,
) -> Result<String, String> {
    let file: Arc<str> = Arc::from("f");
    let mut stream = DocumentStream::new(BufReader::with_capacity(buffer, text), limit);
    let mut loaded = Loaded::default();
    let mut index = 0;
    let mut sources = Vec::new();
    while let Some(piece) = stream.next_piece().map_err(|e| e.to_string())? {
        let mut one = Loaded::default();
        load_piece(&file, &stream, piece, &mut index, opts, &mut one);
        for o in &one.objects {
            sources.push(
                stream
                    .sources()
                    .source_at(origin(o).pos().line)
                    .map(str::to_owned),
            );
        }
        loaded.extend(one);
    }
    let sources: Vec<Option<&str>> = sources.iter().map(Option::as_deref).collect();
    Ok(format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}\n{}",
        loaded.objects,
        loaded.errors,
        loaded.warnings,
        loaded.skipped,
        sources,
        loaded.documents,
        stream.bytes_read()
    ))
}

fn origin(o: &Object) -> &Origin {
    match o {
        Object::Workload(w) => &w.origin,
        Object::Namespace(_, o) | Object::ConfigMap(_, o) | Object::Secret(_, o) => o,
    }
}

fn same(text: &str, limit: usize) {
    same_bytes(text.as_bytes(), limit);
}

fn same_bytes(text: &[u8], limit: usize) {
    for opts in [
        LoadOptions::default(),
        LoadOptions {
            field_validation: FieldValidation::Warn,
            volume_sources: true,
        },
    ] {
        let want = whole(text, limit, &opts);
        for buffer in [1, 7, 64, 8192] {
            assert_eq!(
                streamed(text, limit, &opts, buffer),
                want,
                "buffer {buffer}, text {:?}",
                String::from_utf8_lossy(text)
            );
        }
    }
}

#[test]
fn documents_errors_and_lines_as_the_whole_text() {
    let p = pod("a");
    let cases = [
        format!("{p}---\n{}", pod("b")),
        format!("---\n{p}---\n---\n# only a comment\n---\n{}---\n", pod("b")),
        format!("\u{feff}---\n{p}"),
        format!("\u{feff}{p}"),
        format!("{p}--- x\n{}", pod("b")),
        format!("{p}----\n{}", pod("b")),
        format!("{p}--- # fine\n{}", pod("b")),
        format!("{p}...\nkind: Pod\n---\n{}", pod("b")),
        format!("{p}---"),
        format!("{p}---\n"),
        format!("{p}---\n   \n"),
        p.replace('\n', "\r\n") + "---\r\n" + &pod("b").replace('\n', "\r\n"),
        "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"j\"}, \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"i\"}]}}\n".to_string(),
        "  \n\n  {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"n\\u0031\"}}".to_string(),
        "\n---\n{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"n\"}}".to_string(),
        format!("{p}---\na: [\n---\n{}", pod("b")),
        format!("{p}---\nreplicaCount: 1\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: s}}\n"),
        format!("{p}---\napiVersion: v1\nkind: List\nitems:\n- {}\n", pod("c").replace('\n', "\n  ")),
        format!("# Source: c/templates/a.yaml\n{p}---\n# Source: c/templates/b.yaml\n{}---\n{}", pod("b"), pod("c")),
        format!("{p}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: x}}\nspec: {{containers: [{{name: c, image: i, privilegd: true}}]}}\n"),
        String::new(),
        "---".to_string(),
        "\n\n\n".to_string(),
    ];
    for text in &cases {
        same(text, MAX_OBJECT_BYTES);
    }
}

#[test]
fn documents_over_the_limit_as_the_whole_text() {
    let big = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  annotations:\n    a: {}\n",
        "x".repeat(500)
    );
    let p = pod("a");
    let cases = [
        format!("{p}---\n{big}---\n{}", pod("b")),
        format!("{big}---\n{p}"),
        format!("{p}---\n{big}"),
        format!("{p}...\n{big}...\n{}", pod("b")),
        format!("{p}---\n{}\n{}", big, "y".repeat(70 * 1024)),
        format!(
            "{p}---\ncommand: [\"{}\"]\n---\n{}",
            "a".repeat(200 * 1024),
            pod("b")
        ),
    ];
    for text in &cases {
        same(text, 300);
    }
}

#[test]
fn text_that_is_not_utf8_is_an_error() {
    let text = [pod("a").as_bytes(), b"---\nkind: \xff\n"].concat();
    assert_eq!(
        whole(&text, MAX_OBJECT_BYTES, &LoadOptions::default()),
        Err("not UTF-8 text".into())
    );
    let mut stream = DocumentStream::new(BufReader::new(&text[..]), MAX_OBJECT_BYTES);
    let mut result = Ok(());
    while let Some(r) = stream.next_piece().transpose() {
        if let Err(e) = r {
            result = Err(e.to_string());
            break;
        }
    }
    assert_eq!(result, Err("not UTF-8 text".into()));
    // Inside a dropped document it does not matter, as for the whole text.
    let dropped = [
        pod("a").as_bytes(),
        b"---\nkind: \xff",
        &[b'x'; 400],
        b"\n---\n",
        pod("b").as_bytes(),
    ]
    .concat();
    same_bytes(&dropped, 300);
}

#[test]
fn a_long_stream_keeps_little() {
    // 20,000 documents through a stream never hold more than a few documents' text.
    let one = pod("p");
    let text = format!("---\n{one}").repeat(20_000);
    let mut stream = DocumentStream::new(BufReader::new(text.as_bytes()), MAX_OBJECT_BYTES);
    let mut n = 0;
    let mut most = 0;
    while let Some(piece) = stream.next_piece().unwrap() {
        if let Piece::Text { text, .. } = piece
            && !text.trim().is_empty()
        {
            n += 1;
        }
        most = most.max(stream.buffered());
    }
    assert_eq!(n, 20_000);
    assert!(most < 2 * (1 << 20), "{most} bytes held");
}
