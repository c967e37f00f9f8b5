//! Related documents: `[related] count` and each ranking weight change the
//! list as the README says. Score = `terms` × shared terms + `entities` ×
//! shared entities + `citations` × (1 if the other cites it, 1/2 if only in
//! its curator's note) + `time` × closeness in time (1 the same day, 1/21
//! twenty years apart). What a document cites is never among its related.

use crate::support::{CONFIG, Fixture};

/// A subject and four candidates, each sharing one kind of thing with it
/// besides the term `common` they all have:
///
/// | candidate | shares with the subject | default score |
/// |---|---|---|
/// | `terms-twin` | 3 more terms, 20 years apart | 4 + 1/21 |
/// | `cited` | it mentions the subject, 20 years apart | 1 + 2 + 1/21 |
/// | `entity-twin` | 3 entities, 20 years apart | 1 + 1.5 + 1/21 |
/// | `same-day` | the subject's date | 1 + 1 |
fn archive(related: &str) -> Fixture {
    let topics = |terms: &str| format!("[taxonomies]\ntopics = [{terms}]");
    let far = "date = 2000-01-01";
    Fixture::new()
        .file("config.toml", &format!("{CONFIG}\n[related]\n{related}\n"))
        .file(
            "content/entities.toml",
            "[[entity]]\nname = \"Alpha Agency\"\nkind = \"organisation\"\n\n\
             [[entity]]\nname = \"Beta Bureau\"\nkind = \"organisation\"\n\n\
             [[entity]]\nname = \"Gamma Group\"\nkind = \"organisation\"\n",
        )
        .doc(
            "subject",
            &format!(
                "title = \"Subject\"\ndate = 2020-01-01\n{}",
                topics("\"common\", \"t1\", \"t2\", \"t3\"")
            ),
            "Alpha Agency, Beta Bureau and Gamma Group answer.",
        )
        .doc(
            "terms-twin",
            &format!(
                "title = \"Terms Twin\"\n{far}\n{}",
                topics("\"common\", \"t1\", \"t2\", \"t3\"")
            ),
            "Text.",
        )
        .doc(
            "cited",
            &format!("title = \"Cited Paper\"\n{far}\n{}", topics("\"common\"")),
            "It answers the Subject.",
        )
        .doc(
            "entity-twin",
            &format!("title = \"Entity Twin\"\n{far}\n{}", topics("\"common\"")),
            "Gamma Group, Beta Bureau and Alpha Agency again.",
        )
        .doc(
            "same-day",
            &format!("title = \"Same Day\"\ndate = 2020-01-01\n{}", topics("\"common\"")),
            "Text.",
        )
}

/// The slugs the subject's page lists as related, in order, with the
/// `[related]` table holding `related`.
fn related_to_subject(related: &str) -> Vec<String> {
    archive(related)
        .build()
        .page("documents/subject/")
        .attrs(".related .doc-title", "href")
        .iter()
        .map(|href| href.trim_start_matches("/documents/").trim_end_matches('/').to_string())
        .collect()
}

/// The order with the default weights.
const DEFAULT: [&str; 4] = ["terms-twin", "cited", "entity-twin", "same-day"];

#[test]
fn the_default_weights_rank_terms_then_citations_then_entities_then_time() {
    assert_eq!(related_to_subject(""), DEFAULT);
    let explicit = "count = 5\nterms = 1.0\nentities = 0.5\ncitations = 2.0\ntime = 1.0";
    assert_eq!(related_to_subject(explicit), DEFAULT, "the defaults are the README's");
}

#[test]
fn count_keeps_the_best_and_never_drops_a_curated_document() {
    assert_eq!(related_to_subject(""), DEFAULT);
    assert_eq!(related_to_subject("count = 2"), ["terms-twin", "cited"]);
    assert_eq!(related_to_subject("count = 1"), ["terms-twin"]);
    let curated = archive("count = 1")
        .doc(
            "subject",
            "title = \"Subject\"\ndate = 2020-01-01\nrelated = [\"same-day\", \"entity-twin\"]\n\
             [taxonomies]\ntopics = [\"common\", \"t1\", \"t2\", \"t3\"]",
            "Alpha Agency, Beta Bureau and Gamma Group answer.",
        )
        .build();
    assert_eq!(
        curated.page("documents/subject/").attrs(".related .doc-title", "href"),
        ["/documents/same-day/", "/documents/entity-twin/"],
        "both curated documents, beyond the count, and no other"
    );
}

#[test]
fn a_lower_terms_weight_moves_the_document_sharing_terms_to_the_end() {
    assert_eq!(related_to_subject(""), DEFAULT);
    assert_eq!(
        related_to_subject("terms = 0.1"),
        ["cited", "entity-twin", "same-day", "terms-twin"]
    );
}

#[test]
fn a_higher_entities_weight_moves_the_document_sharing_entities_first() {
    assert_eq!(related_to_subject(""), DEFAULT);
    assert_eq!(
        related_to_subject("entities = 2.0"),
        ["entity-twin", "terms-twin", "cited", "same-day"]
    );
}

#[test]
fn a_higher_citations_weight_moves_the_cited_document_first() {
    assert_eq!(related_to_subject(""), DEFAULT);
    assert_eq!(
        related_to_subject("citations = 5.0"),
        ["cited", "terms-twin", "entity-twin", "same-day"]
    );
    assert_eq!(
        related_to_subject("citations = 0.0"),
        ["terms-twin", "entity-twin", "same-day", "cited"],
        "without weight the citation counts for nothing: the cited document has only the common term"
    );
}

#[test]
fn a_higher_time_weight_moves_the_document_of_the_same_day_first() {
    assert_eq!(related_to_subject(""), DEFAULT);
    assert_eq!(
        related_to_subject("time = 5.0"),
        ["same-day", "terms-twin", "cited", "entity-twin"]
    );
}

#[test]
fn what_a_document_cites_is_not_among_its_related_even_when_curated() {
    assert_eq!(related_to_subject(""), DEFAULT);
    let site = archive("")
        .file("seeds/subject.txt", "Subject\n\nThe Terms Twin says so.\n")
        .doc(
            "subject",
            "title = \"Subject\"\ndate = 2020-01-01\nseed = \"seeds/subject.txt\"\n\
             related = [\"same-day\", \"terms-twin\"]\n\
             [taxonomies]\ntopics = [\"common\", \"t1\", \"t2\", \"t3\"]",
            "A curator's note on the Entity Twin.",
        )
        .build();
    let page = site.page("documents/subject/");
    assert_eq!(page.texts(".cites .doc-title"), ["Terms Twin"]);
    assert_eq!(
        page.attrs(".related .doc-title", "href"),
        ["/documents/same-day/", "/documents/cited/"],
        "neither what the text cites (even curated) nor what the note mentions is listed again"
    );
}

#[test]
fn a_citation_only_in_a_curators_note_weighs_half() {
    // `cited` mentions the subject in its note only: 1 + 2/2 + 1/21, below
    // `entity-twin` (1 + 1.5 + 1/21); from its text it is 1 + 2 + 1/21,
    // above (see DEFAULT).
    let in_note = |citations: &str| {
        archive(citations)
            .file("seeds/cited.txt", "Cited Paper\n\nIts own text.\n")
            .doc(
                "cited",
                "title = \"Cited Paper\"\ndate = 2000-01-01\nseed = \"seeds/cited.txt\"\n[taxonomies]\ntopics = [\"common\"]",
                "The curator reads it against the Subject.",
            )
            .build()
            .page("documents/subject/")
            .attrs(".related .doc-title", "href")
    };
    assert_eq!(
        in_note(""),
        [
            "/documents/terms-twin/",
            "/documents/entity-twin/",
            "/documents/cited/",
            "/documents/same-day/"
        ]
    );
    assert_eq!(
        in_note("citations = 4.0"),
        [
            "/documents/terms-twin/",
            "/documents/cited/",
            "/documents/entity-twin/",
            "/documents/same-day/"
        ],
        "half of 4 is 2, more than the entities' 1.5"
    );
}
