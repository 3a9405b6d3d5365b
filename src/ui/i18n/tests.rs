//! The translations checked against the parsed Fluent files: same ids and variables in both
//! languages, every message formats, plurals and fallbacks.

use super::*;

#[test]
fn what_is_shared_and_why_not_read_in_chinese() {
    use crate::capture::{CaptureError, SourceLabel};
    let monitor = SourceLabel::Monitor { number: 1, width: 1920, height: 1080 };
    assert_eq!(source_label_text(&monitor, Lang::Zh), "屏幕 1（1920×1080）");
    assert_eq!(source_label_text(&SourceLabel::DemoPicture, Lang::En), SourceLabel::DemoPicture.to_string());
    assert_eq!(
        capture_error_text(&CaptureError::WaylandOnly, Lang::Zh),
        "这是 Wayland 会话，系统的屏幕共享服务（xdg-desktop-portal）不可用，因此无法共享屏幕；聊天仍可使用"
    );
    let technical = CaptureError::Failed("shmget: no space".into());
    assert_eq!(capture_error_text(&technical, Lang::Zh), technical.to_string(), "details stay as they are");
}

use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

/// Message id → the variables its value uses, parsed from one language's file.
fn variables_by_message(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let resource = fluent_syntax::parser::parse(lang.fluent_source())
        .unwrap_or_else(|(_, errors)| panic!("{lang:?} does not parse: {errors:?}"));
    let mut messages = BTreeMap::new();
    for entry in resource.body {
        match entry {
            Entry::Message(message) => {
                let pattern = message.value.unwrap_or_else(|| panic!("{} has no value", message.id.name));
                let mut variables = BTreeSet::new();
                pattern_variables(&pattern, &mut variables);
                let id = message.id.name.to_owned();
                assert!(messages.insert(id.clone(), variables).is_none(), "{lang:?}: {id} twice");
            }
            Entry::Comment(_) | Entry::GroupComment(_) | Entry::ResourceComment(_) => {}
            other => panic!("{lang:?}: unexpected entry {other:?}"),
        }
    }
    messages
}

fn pattern_variables(pattern: &Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_variables(expression, out);
        }
    }
}

fn expression_variables(expression: &Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        Expression::Inline(inline) => inline_variables(inline, out),
        Expression::Select { selector, variants } => {
            inline_variables(selector, out);
            for variant in variants {
                pattern_variables(&variant.value, out);
            }
        }
    }
}

fn inline_variables(inline: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        InlineExpression::Placeable { expression } => expression_variables(expression, out),
        InlineExpression::FunctionReference { arguments, .. }
        | InlineExpression::TermReference { arguments: Some(arguments), .. } => {
            for argument in &arguments.positional {
                inline_variables(argument, out);
            }
            for argument in &arguments.named {
                inline_variables(&argument.value, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_text_has_a_message_in_both_languages_and_no_other_messages_exist() {
    let ids: BTreeSet<String> = Text::ALL.iter().map(|text| text.id().to_owned()).collect();
    assert_eq!(ids.len(), Text::ALL.len(), "message ids are unique");
    for lang in Lang::ALL {
        let messages: BTreeSet<String> = variables_by_message(lang).into_keys().collect();
        assert_eq!(messages, ids, "{lang:?}");
    }
}

#[test]
fn every_message_uses_the_same_variables_in_both_languages() {
    let (en, zh) = (variables_by_message(Lang::En), variables_by_message(Lang::Zh));
    for (id, variables) in &en {
        assert_eq!(Some(variables), zh.get(id), "{id}");
        let numbered: BTreeSet<String> = (1..=variables.len()).map(|n| format!("arg{n}")).collect();
        assert_eq!(variables, &numbered, "{id}: arguments are $arg1..$argN");
    }
}

#[test]
fn every_message_formats_without_error_in_both_languages() {
    let variables = variables_by_message(Lang::En);
    for text in Text::ALL {
        let count = variables.get(text.id()).map_or(0, BTreeSet::len);
        for dummy in ["0", "1", "2", "7", "x"] {
            let args = vec![dummy; count];
            let mut fluent_args = FluentArgs::new();
            for (index, arg) in args.iter().enumerate() {
                fluent_args.set(format!("arg{}", index + 1), fluent_value(arg));
            }
            for lang in Lang::ALL {
                let formatted = lang.format(text.id(), &fluent_args);
                let formatted = formatted.unwrap_or_else(|| panic!("{text:?} in {lang:?} with {dummy}"));
                assert!(!formatted.is_empty() && !formatted.contains("{$"), "{text:?} {lang:?}: {formatted}");
                assert_eq!(text.fill(lang, &args), formatted);
            }
        }
    }
}

#[test]
fn english_counts_take_the_singular_for_one() {
    assert_eq!(Text::TicketCount.fill(Lang::En, &["1"]), "1 ticket");
    assert_eq!(Text::TicketCount.fill(Lang::En, &["2"]), "2 tickets");
    assert_eq!(Text::TicketCount.fill(Lang::En, &["0"]), "0 tickets");
    assert_eq!(Text::TicketCount.fill(Lang::Zh, &["1"]), "共 1 个工单");
    assert_eq!(
        Text::CodeNotRight.fill(Lang::En, &["1"]),
        "That code is not right. Check the digits and try again (1 attempt left)."
    );
    assert_eq!(
        Text::CodeNotRight.fill(Lang::En, &["2"]),
        "That code is not right. Check the digits and try again (2 attempts left)."
    );
    assert_eq!(Text::EvWrongCode.fill(Lang::En, &["1"]), "A wrong join code was entered (1 attempt left)");
    assert_eq!(Text::EvWrongCode.fill(Lang::En, &["3"]), "A wrong join code was entered (3 attempts left)");
    assert_eq!(Text::StepCount.fill(Lang::En, &["1"]), "1 step");
    assert_eq!(Text::Exported.fill(Lang::En, &["1", "/tmp/a.csv"]), "Exported 1 ticket to /tmp/a.csv");
    assert_eq!(
        Text::WrongCodeAttempt.fill(Lang::En, &["10.0.0.2", "1"]),
        "A wrong code came from 10.0.0.2 (1 more wrong attempt burns the code)"
    );
}

#[test]
fn arguments_are_kept_as_written_and_no_isolation_marks_are_added() {
    assert_eq!(Text::ReceiptsFile.fill(Lang::En, &["007"]), "Saved in 007");
    assert_eq!(Text::SessionOver.fill(Lang::En, &["bye"]), "The session is over: bye");
    assert_eq!(Text::StepOf.fill(Lang::En, &["+3", "9007199254740993"]), "Step +3 of 9007199254740993");
    assert_eq!(
        Text::PortInvalid.fill(Lang::En, &["-1"]),
        "\"-1\" is not a port number (1–65535, or empty for any free port)."
    );
    assert!(Text::PhraseGreeting.get(Lang::En).contains("{name}"), "literal braces survive");
}

#[test]
fn a_message_that_cannot_be_formatted_falls_back_instead_of_panicking() {
    // Missing arguments fail in both languages: the id is shown rather than a broken sentence.
    assert_eq!(Text::TicketCount.fill(Lang::Zh, &[]), "ticket-count");
    assert_eq!(Text::TicketCount.get(Lang::En), "ticket-count");
    // Extra arguments are harmless.
    assert_eq!(Text::AppTitle.fill(Lang::En, &["unused"]), "Stepwise");
    assert_eq!(Text::AppTitle.get(Lang::Zh), "Stepwise 远程支持台");
}

#[test]
fn locale_detection() {
    assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
    assert_eq!(Lang::from_locale("zh-Hans"), Lang::Zh);
    assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
    assert_eq!(Lang::from_locale("C"), Lang::En);
}
