//! Pattern formats and the library: hand-checked parses, every class of bad input with its exact
//! position, round trips of random boards, and the library's patterns behaving as they should.

use colony_life::pattern::{self, Format, Grid, Pattern};
use colony_life::{soup, Board, Game, LifeError, Rule, Topology};
use proptest::prelude::*;

fn rle(text: &str) -> Pattern {
    pattern::parse_rle(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn cells(board: &Board) -> Vec<(usize, usize)> {
    board.live_cells().collect()
}

/// The position and message of a parse error, failing the test on anything else.
fn parse_err(result: Result<Pattern, LifeError>) -> (usize, usize, String) {
    match result {
        Err(LifeError::Parse { line, column, message }) => (line, column, message),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[track_caller]
fn assert_rle_error(text: &str, line: usize, column: usize, words: &str) {
    let (l, c, message) = parse_err(pattern::parse_rle(text));
    assert_eq!((l, c), (line, column), "{text:?}: {message}");
    assert!(
        message.contains(words),
        "{text:?}: {message:?} should mention {words:?}"
    );
}

#[track_caller]
fn assert_plaintext_error(text: &str, line: usize, column: usize, words: &str) {
    let (l, c, message) = parse_err(pattern::parse_plaintext(text));
    assert_eq!((l, c), (line, column), "{text:?}: {message}");
    assert!(
        message.contains(words),
        "{text:?}: {message:?} should mention {words:?}"
    );
}

/// A `width`×`height` board with `pattern` pasted at `(x, y)`.
fn placed(pattern: &Board, width: usize, height: usize, x: i64, y: i64) -> Board {
    let mut board = Board::new(width, height).expect("board");
    board.paste(pattern, x, y).expect("fits");
    board
}

fn library(name: &str) -> Board {
    pattern::named(name).unwrap_or_else(|e| panic!("{name}: {e}")).board
}

// ---- RLE: what is accepted -------------------------------------------------------------------

#[test]
fn glider_rle_gives_the_hand_checked_cells() {
    let p = rle("x = 3, y = 3, rule = B3/S23\nbo$2bo$3o!");
    assert_eq!((p.board.width(), p.board.height()), (3, 3));
    assert_eq!(cells(&p.board), vec![(1, 0), (2, 1), (0, 2), (1, 2), (2, 2)]);
    assert_eq!(p.rule, Some(Rule::CONWAY));
    assert_eq!((p.grid, p.name, p.comments.len()), (None, None, 0));
}

#[test]
fn header_spacing_and_rule_are_optional() {
    let tight = rle("x=3,y=3,rule=b3/s23\nbo$2bo$3o!");
    let bare = rle("x = 3, y = 3\nbo$2bo$3o!");
    assert_eq!(tight.board, bare.board);
    assert_eq!((tight.rule, bare.rule), (Some(Rule::CONWAY), None));
    let golly_order = rle("x = 1, y = 1, rule = 23/36\no!");
    assert_eq!(golly_order.rule.map(|r| r.to_string()).as_deref(), Some("B36/S23"));
    assert_eq!(
        rle("x = 1, y = 1, rule = B3/S23,\no!").rule,
        Some(Rule::CONWAY),
        "trailing comma"
    );
    let hash_r = rle("#r B36/S23\nx = 1, y = 1\no!");
    assert_eq!(hash_r.rule.map(|r| r.to_string()).as_deref(), Some("B36/S23"));
}

#[test]
fn dollar_counts_skip_several_rows() {
    let p = rle("x = 2, y = 6\no4$bo$o!");
    assert_eq!(cells(&p.board), vec![(0, 0), (1, 4), (0, 5)]);
    let leading = rle("x = 3, y = 3\n2$bo!");
    assert_eq!(cells(&leading.board), vec![(1, 2)]);
}

#[test]
fn whitespace_may_fall_anywhere_in_the_cells() {
    let spread = rle("x = 3, y = 3\n b o $\r\n 2 b o\n$\n3\no\n!");
    assert_eq!(cells(&spread.board), cells(&rle("x = 3, y = 3\nbo$2bo$3o!").board));
    let crlf = rle("#N Glider\r\nx = 3, y = 3\r\nbo$2bo$3o!\r\n");
    assert_eq!(crlf.name.as_deref(), Some("Glider"));
    assert_eq!(crlf.board.population(), 5);
    let old_mac = rle("#N Glider\rx = 3, y = 3\rbo$2bo$\r3o!\r");
    assert_eq!(
        (old_mac.name.as_deref(), old_mac.board.population()),
        (Some("Glider"), 5)
    );
    assert_rle_error("x = 3, y = 3\rbo$\r\n2b?o!", 3, 3, "unexpected character '?'");
    let cells_cr = pattern::parse_auto("!Name: g\r.O\r..O\rOOO").expect("old Mac plaintext");
    assert_eq!(cells_cr.board, old_mac.board);
    let split_count = rle("x = 12, y = 1\n1\n2o!");
    assert_eq!(
        split_count.board.population(),
        12,
        "a count continues across a line break"
    );
}

#[test]
fn long_lines_and_long_runs() {
    let line: String = "ob".repeat(5000);
    let p = rle(&format!("x = 10000, y = 2\n{line}$10000o!"));
    assert_eq!(p.board.population(), 15000);
    assert!(p.board.get(9998, 0) && !p.board.get(9999, 0) && p.board.get(9999, 1));
}

#[test]
fn any_letter_but_b_is_alive_and_the_end_is_forgiving() {
    assert_eq!(rle("x = 4, y = 1\nAxzo!").board.population(), 4);
    assert_eq!(
        rle("x = 2, y = 1\npAo!").board.population(),
        2,
        "Golly's two-letter state is one cell"
    );
    assert_eq!(
        rle("x = 3, y = 3\nbo$2bo$3o").board.population(),
        5,
        "missing ! is accepted"
    );
    assert_eq!(
        rle("x = 1, y = 1\no! 5o$$ anything ?").board.population(),
        1,
        "text after ! is ignored"
    );
    assert_eq!(
        rle("x = 2, y = 1\no9b$$$!").board.population(),
        1,
        "dead cells past the size are harmless"
    );
    assert!(rle("x = 5, y = 5\n!").board.is_empty());
}

#[test]
fn comments_name_and_author() {
    let p = rle(
        "#N Glider\n#O Richard K. Guy\n#C The first spaceship.\n#c lowercase too\n#P 1 1\n\
         #CXRLE Pos=0,0\nx = 3, y = 3\nbo$2bo$\n#C between the cells\n3o!\n#C after the end\n",
    );
    assert_eq!(p.name.as_deref(), Some("Glider"));
    assert_eq!(
        p.comments,
        vec![
            "Author: Richard K. Guy",
            "The first spaceship.",
            "lowercase too",
            "between the cells"
        ]
    );
    assert_eq!(p.board.population(), 5);
}

#[test]
fn grid_suffix_in_the_header() {
    let torus = rle("x = 3, y = 3, rule = B3/S23:T64,64\nbo$2bo$3o!");
    assert_eq!(
        torus.grid,
        Some(Grid {
            topology: Topology::Torus,
            width: 64,
            height: 64
        })
    );
    let plane = rle("x = 3, y = 3, rule = B3/S23:p30,20\nbo$2bo$3o!");
    assert_eq!(
        plane.grid,
        Some(Grid {
            topology: Topology::Bounded,
            width: 30,
            height: 20
        })
    );
    let square = rle("x = 1, y = 1, rule = B3/S23:T100\no!");
    assert_eq!(
        square.grid.map(|g| (g.width, g.height)),
        Some((100, 100)),
        "one number: a square"
    );
    assert_eq!(square.grid.map(|g| g.to_string()).as_deref(), Some(":T100,100"));
    let (rule, grid) = pattern::parse_rule_with_grid("B36/S23:P7,9").expect("rule");
    assert_eq!(
        (rule.to_string(), grid.map(|g| g.to_string())),
        ("B36/S23".into(), Some(":P7,9".into()))
    );
    assert_eq!(
        pattern::parse_rule_with_grid("B3/S23").expect("plain"),
        (Rule::CONWAY, None)
    );
    for unsupported in [
        "B3/S23:T0,20",
        "B3/S23:P30,0",
        "B3/S23:",
        "B3/S23:K4*,3",
        "B3/S23:T4+1,3",
        "B3/S23:S9",
    ] {
        assert!(
            matches!(pattern::parse_rule_with_grid(unsupported), Err(LifeError::Rule { .. })),
            "{unsupported}"
        );
    }
}

// ---- RLE: every class of bad input, with its position -----------------------------------------

#[test]
fn missing_or_bad_header() {
    assert_rle_error("", 1, 1, "missing RLE header");
    assert_rle_error("#N Glider\n#C no header\n", 3, 1, "missing RLE header");
    assert_rle_error("bo$2bo$3o!", 1, 1, "missing RLE header");
    assert_rle_error("#N Glider\n\n  bo$2bo$3o!", 3, 3, "missing RLE header");
    assert_rle_error("x = 3, y = three\nbo$2bo$3o!", 1, 12, "expected a number");
    assert_rle_error("x = 3, y = 3, z = 1\no!", 1, 15, "unknown header field `z`");
    assert_rle_error("x = 3\no!", 1, 6, "lacks `y = <height>`");
    assert_rle_error("x 3, y = 3\no!", 1, 3, "expected '='");
    assert_rle_error("x = 3 y = 3\no!", 1, 7, "expected ','");
    assert_rle_error("x = 3, x = 3\no!", 1, 8, "given twice");
    assert_rle_error("x = 3, y = 3, rule = B9/S23\no!", 1, 22, "invalid rule");
    assert_rle_error("x = 3, y = 3, rule = B3/S23:K3,3\no!", 1, 22, "Klein bottle");
    assert_rle_error("x = 3, y = 3, rule = B3/S23:T0,3\no!", 1, 22, "infinite");
    assert_rle_error("#r B3/S2x\nx = 1, y = 1\no!", 1, 4, "invalid rule");
}

#[test]
fn zero_and_huge_sizes() {
    assert_rle_error("x = 0, y = 3\n!", 1, 5, "must be at least 1");
    assert_rle_error("x = 3, y = 0\n!", 1, 12, "must be at least 1");
    assert_rle_error("x = 100000000, y = 100000000\n!", 1, 5, "exceeds the limit");
    assert_rle_error("x = 99999999999999999999, y = 1\n!", 1, 5, "too large");
    let (l, c, message) = parse_err(pattern::parse_rle_with_limit("x = 100, y = 100\n!", 9999));
    assert_eq!((l, c), (1, 5));
    assert!(message.contains("limit of 9999 cells"), "{message}");
    assert!(pattern::parse_rle_with_limit("x = 100, y = 100\n!", 10000).is_ok());
}

#[test]
fn cells_outside_the_declared_size() {
    assert_rle_error("x = 3, y = 2\n4o!", 2, 1, "beyond the declared width x = 3");
    assert_rle_error("x = 3, y = 2\nb3o!", 2, 2, "up to column 4");
    assert_rle_error("x = 3, y = 2\nbo$o$o!", 2, 6, "beyond the declared height y = 2");
    assert_rle_error("x = 3, y = 2\n5$o!", 2, 3, "row 6");
    assert_rle_error("x = 2, y = 1\n\n  3\no!", 3, 3, "beyond the declared width");
}

#[test]
fn bad_cells() {
    assert_rle_error("x = 3, y = 3\nbo$2b?o!", 2, 6, "unexpected character '?'");
    assert_rle_error(
        "#N g\n#C c\nx = 3, y = 3\nbo$\n2bo$3o#!",
        5,
        7,
        "unexpected character '#'",
    );
    assert_rle_error(
        "x = 3, y = 3\n99999999999999999999999o!",
        2,
        1,
        "run count is too large",
    );
    assert_rle_error("x = 3, y = 3\n0o!", 2, 1, "at least 1");
    assert_rle_error("x = 3, y = 3\no3!", 2, 2, "followed by '!'");
    assert_rle_error("x = 3, y = 3\no\n  12", 3, 3, "not followed by b, o or $");
}

// ---- RLE writer -------------------------------------------------------------------------------

#[test]
fn writer_output_is_golly_style() {
    let glider = rle("x = 3, y = 3\nbo$2bo$3o!").board;
    let text = pattern::write_rle(&glider, Rule::CONWAY, None, Some("Glider"));
    assert_eq!(text, "#N Glider\nx = 3, y = 3, rule = B3/S23\nbo$2bo$3o!\n");

    let mut sparse = Board::new(5, 7).expect("board");
    sparse.set(0, 0, true);
    sparse.set(2, 4, true);
    sparse.set(3, 4, true);
    let grid = Some(Grid {
        topology: Topology::Torus,
        width: 64,
        height: 64,
    });
    let text = pattern::write_rle(&sparse, Rule::CONWAY, grid, None);
    assert_eq!(text, "x = 5, y = 7, rule = B3/S23:T64,64\no4$2b2o!\n");

    let empty = Board::new(4, 4).expect("board");
    assert_eq!(
        pattern::write_rle(&empty, Rule::CONWAY, None, None),
        "x = 4, y = 4, rule = B3/S23\n!\n"
    );
    let leading = placed(&glider, 3, 5, 0, 2);
    assert!(pattern::write_rle(&leading, Rule::CONWAY, None, None).ends_with("\n2$bo$2bo$3o!\n"));
}

#[test]
fn writer_keeps_lines_within_70_characters() {
    let board = soup(1000, 40, 7, 0.3).expect("soup");
    let text = pattern::write_rle(&board, Rule::CONWAY, None, Some("a soup"));
    assert!(text.lines().all(|l| l.len() <= 70), "a line is longer than 70");
    assert!(text.lines().count() > 100);
    assert_eq!(rle(&text).board, board);
}

#[test]
fn names_cannot_forge_lines() {
    let board = rle("x = 1, y = 1\no!").board;
    let text = pattern::write_rle(&board, Rule::CONWAY, None, Some("evil\nx = 9, y = 9"));
    let back = rle(&text);
    assert_eq!(
        (back.board.width(), back.name.as_deref()),
        (1, Some("evil x = 9, y = 9"))
    );
    let plain = pattern::write_plaintext(&board, Some("two\nlines"));
    assert_eq!(plain, "!Name: two lines\nO\n");
}

// ---- Plaintext --------------------------------------------------------------------------------

#[test]
fn plaintext_reads_names_comments_and_ragged_rows() {
    let p = pattern::parse_plaintext("!Name: Glider\n!A comment\n!\n.O\n..O\r\nO*O  \n").expect("glider");
    assert_eq!(p.name.as_deref(), Some("Glider"));
    assert_eq!(p.comments, vec!["A comment", ""]);
    assert_eq!((p.board.width(), p.board.height()), (3, 3));
    assert_eq!(cells(&p.board), vec![(1, 0), (2, 1), (0, 2), (1, 2), (2, 2)]);
    assert_eq!((p.rule, p.grid), (None, None));
    let gappy = pattern::parse_plaintext("O\n\n..O\n\n\n").expect("gappy");
    assert_eq!(
        (gappy.board.width(), gappy.board.height()),
        (3, 3),
        "inner blank rows count, trailing do not"
    );
}

#[test]
fn plaintext_errors() {
    assert_plaintext_error(".O.\n.X.\n", 2, 2, "unexpected character 'X'");
    assert_plaintext_error("!Name: x\n!c\n.O\n  O", 4, 1, "unexpected character ' '");
    assert_plaintext_error("!Name: nothing\n", 2, 1, "no rows");
    assert_plaintext_error("", 1, 1, "no rows");
    assert_plaintext_error("!x\n\n\n", 4, 1, "no rows");
    let (l, c, message) = parse_err(pattern::parse_plaintext_with_limit("!big\n....\n....\n", 7));
    assert_eq!((l, c), (2, 1));
    assert!(message.contains("exceeds the limit"), "{message}");
}

#[test]
fn plaintext_writer() {
    let glider = rle("x = 4, y = 3\nbo$2bo$3o!").board;
    assert_eq!(
        pattern::write_plaintext(&glider, Some("Glider")),
        "!Name: Glider\n.O..\n..O.\nOOO.\n"
    );
}

// ---- Format detection -------------------------------------------------------------------------

#[test]
fn formats_by_extension_and_content() {
    assert_eq!(Format::from_path_extension("rle"), Some(Format::Rle));
    assert_eq!(Format::from_path_extension("CELLS"), Some(Format::Plaintext));
    assert_eq!(Format::from_path_extension("patterns/gun.rle"), Some(Format::Rle));
    assert_eq!(Format::from_path_extension(".cells"), Some(Format::Plaintext));
    assert_eq!(Format::from_path_extension("lif"), None);
    assert_eq!(Format::from_path_extension(""), None);

    let from_rle = pattern::parse_auto("#C hi\nx = 3, y = 3\nbo$2bo$3o!").expect("rle");
    let from_cells = pattern::parse_auto("!Name: g\n.O\n..O\nOOO\n").expect("cells");
    assert_eq!(from_rle.board, from_cells.board);
    assert_eq!(pattern::parse_auto("\n\n.O.\n").expect("cells").board.population(), 1);
    assert_eq!(Format::detect("bo$2bo$3o!"), Format::Rle);
    assert_rle_error("bo$2bo$3o!", 1, 1, "missing RLE header");
    assert!(matches!(
        pattern::parse_auto("bo$2bo$3o!"),
        Err(LifeError::Parse { line: 1, column: 1, .. })
    ));
}

// ---- Round trips ------------------------------------------------------------------------------

fn arb_board() -> impl Strategy<Value = Board> {
    let density = prop::sample::select(vec![0.0, 0.02, 0.3, 0.5, 0.9, 1.0]);
    (1usize..=150, 1usize..=150, any::<u64>(), density)
        .prop_map(|(w, h, seed, density)| soup(w, h, seed, density).expect("soup"))
}

fn arb_grid() -> impl Strategy<Value = Option<Grid>> {
    let topology = prop_oneof![Just(Topology::Torus), Just(Topology::Bounded)];
    prop::option::of(
        (topology, 1usize..=5000, 1usize..=5000).prop_map(|(topology, width, height)| Grid {
            topology,
            width,
            height,
        }),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn rle_round_trips(
        board in arb_board(),
        birth in 0u16..512,
        survival in 0u16..512,
        grid in arb_grid(),
        name in prop::option::of("[A-Za-z0-9 ()-]{1,30}"),
    ) {
        let rule = Rule::from_masks(birth, survival);
        let text = pattern::write_rle(&board, rule, grid, name.as_deref());
        let cell_lines = text.lines().filter(|l| !l.starts_with("#N") && !l.starts_with("x ="));
        prop_assert!(cell_lines.map(str::len).all(|len| len <= 70));
        let back = pattern::parse_auto(&text).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(&back.board, &board);
        prop_assert_eq!(back.rule, Some(rule));
        prop_assert_eq!(back.grid, grid);
        let trimmed = name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        prop_assert_eq!(back.name.as_deref(), trimmed);
    }

    #[test]
    fn plaintext_round_trips(board in arb_board(), name in prop::option::of("[A-Za-z0-9 ]{1,20}")) {
        let text = pattern::write_plaintext(&board, name.as_deref());
        let back = pattern::parse_auto(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back.board, &board);
        let trimmed = name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        prop_assert_eq!(back.name.as_deref(), trimmed);
        prop_assert_eq!(back.rule, None);
    }

    #[test]
    fn readers_never_panic(text in "[xy=0-9 ,bo.O*$!#NCrule:TP/S\n-]{0,80}") {
        let _ = pattern::parse_rle_with_limit(&text, 1 << 20);
        let _ = pattern::parse_plaintext_with_limit(&text, 1 << 20);
    }
}

// ---- The library ------------------------------------------------------------------------------

#[test]
fn library_sizes_and_populations() {
    let expected = [
        ("glider", 3, 3, 5),
        ("blinker", 3, 1, 3),
        ("toad", 4, 2, 6),
        ("beacon", 4, 4, 6),
        ("block", 2, 2, 4),
        ("lwss", 5, 4, 9),
        ("pulsar", 13, 13, 48),
        ("pentadecathlon", 10, 3, 12),
        ("r-pentomino", 3, 3, 5),
        ("acorn", 7, 3, 7),
        ("diehard", 8, 3, 7),
        ("gosper-glider-gun", 36, 9, 36),
    ];
    assert_eq!(pattern::library_names(), expected.map(|e| e.0).as_slice());
    for (name, width, height, population) in expected {
        let p = pattern::named(name).expect(name);
        assert_eq!((p.board.width(), p.board.height()), (width, height), "{name}");
        assert_eq!(p.board.population(), population, "{name}");
        assert_eq!(p.board.bounding_box(), Some((0, 0, width, height)), "{name} is tight");
        assert_eq!(p.rule, Some(Rule::CONWAY), "{name}");
    }
    assert_eq!(
        cells(&library("R-Pentomino")),
        vec![(1, 0), (2, 0), (0, 1), (1, 1), (1, 2)]
    );
    assert_eq!(
        cells(&library("acorn")),
        vec![(1, 0), (3, 1), (0, 2), (1, 2), (4, 2), (5, 2), (6, 2)]
    );
    assert_eq!(
        cells(&library("diehard")),
        vec![(6, 0), (0, 1), (1, 1), (1, 2), (5, 2), (6, 2), (7, 2)]
    );
    assert_eq!(
        pattern::named("Gosper glider gun").expect("gun").name.as_deref(),
        Some("Gosper glider gun")
    );
}

#[test]
fn unknown_names_list_the_library() {
    let Err(LifeError::UnknownPattern(name, known)) = pattern::named("glidr") else {
        panic!("glidr is not a pattern");
    };
    assert_eq!(name, "glidr");
    assert_eq!(known, pattern::library_names().join(", "));
    assert!(known.contains("gosper-glider-gun"));
}

// ---- The library's patterns behave --------------------------------------------------------------

fn run(board: Board, topology: Topology, generations: u64) -> Board {
    // Only the last state matters; big boards make a long history costly.
    let mut game = Game::new(board, Rule::CONWAY, topology)
        .with_history(1)
        .expect("history");
    game.advance(generations).board().clone()
}

/// The generations `0..=n` of a game, boards only.
fn generations(board: Board, topology: Topology, n: u64) -> Vec<Board> {
    let mut game = Game::new(board.clone(), Rule::CONWAY, topology);
    std::iter::once(board)
        .chain(game.step(n).iter().map(|s| s.board().clone()))
        .collect()
}

#[test]
fn glider_moves_one_cell_diagonally_every_4_generations() {
    let glider = library("glider");
    let start = placed(&glider, 20, 20, 5, 5);
    assert_eq!(run(start.clone(), Topology::Torus, 4), placed(&glider, 20, 20, 6, 6));
    // Eighty generations carry it once around the 20×20 torus.
    assert_eq!(run(start, Topology::Torus, 80), placed(&glider, 20, 20, 5, 5));
}

#[test]
fn lwss_moves_two_cells_left_every_4_generations() {
    let lwss = library("lwss");
    let start = placed(&lwss, 20, 20, 10, 8);
    assert_eq!(run(start, Topology::Torus, 4), placed(&lwss, 20, 20, 8, 8));
}

#[test]
fn oscillators_have_their_periods() {
    for (name, period, size) in [
        ("blinker", 2, 9),
        ("toad", 2, 10),
        ("beacon", 2, 10),
        ("pulsar", 3, 19),
        ("pentadecathlon", 15, 30),
    ] {
        let p = library(name);
        let x = ((size - p.width()) / 2) as i64;
        let y = ((size - p.height()) / 2) as i64;
        let states = generations(placed(&p, size, size, x, y), Topology::Bounded, period);
        assert_eq!(states[period as usize], states[0], "{name} returns after {period}");
        for (g, state) in states.iter().enumerate().take(period as usize).skip(1) {
            assert_ne!(state, &states[0], "{name} must not return at generation {g}");
        }
    }
    let block = placed(&library("block"), 4, 4, 1, 1);
    assert_eq!(run(block.clone(), Topology::Bounded, 1), block, "a block is still");
}

#[test]
fn diehard_dies_at_generation_130() {
    let diehard = library("diehard");
    let states = generations(placed(&diehard, 100, 100, 46, 48), Topology::Bounded, 130);
    assert!(states[129].population() > 0, "still alive at 129");
    assert!(states[130].is_empty(), "gone at 130");
}

#[test]
fn gosper_gun_adds_a_glider_every_30_generations() {
    let gun = library("gun");
    let states = generations(placed(&gun, 120, 120, 2, 2), Topology::Bounded, 150);
    for t in [60, 90, 120] {
        assert_eq!(
            states[t + 30].population(),
            states[t].population() + 5,
            "30 generations after {t}"
        );
    }
    // The gun itself returns every 30 generations: compare its own rows and columns.
    let region = |b: &Board| -> Vec<bool> {
        (2..11)
            .flat_map(|y| (2..38).map(move |x| (x, y)))
            .map(|(x, y)| b.get(x, y))
            .collect()
    };
    assert_eq!(region(&states[120]), region(&states[150]));
}

#[test]
fn acorn_population_at_5206_is_633() {
    let acorn = library("acorn");
    // Large enough that none of the 13 escaping gliders reaches an edge by generation 5206, so
    // the bounded board behaves like the unbounded plane (about 3 s with the bitwise kernel).
    let final_board = run(placed(&acorn, 2800, 2800, 1396, 1398), Topology::Bounded, 5206);
    assert_eq!(final_board.population(), 633);
}
