//! Reasons in words: why a session ended, why arrows are not over the user's real screen, why
//! the store refused a change. Each arrives as a code (over the wire or from the store) and is
//! translated here, in the language in force; technical details stay as they are.

use crate::model::TicketRule;
use crate::protocol::session::RECONNECT_WINDOW_MS;
use crate::protocol::{EndReason, NoOverlay, NoOverlayCode, Violation, ViolationCode};

use super::i18n::{Lang, Text};

/// Why a session ended, in `lang` (shown to both sides and in the timeline).
pub fn end_reason_text(reason: &EndReason, lang: Lang) -> String {
    match reason {
        EndReason::EngineerEnded => Text::EndEngineerEnded.get(lang).to_owned(),
        EndReason::UserStopped => Text::EndUserStopped.get(lang).to_owned(),
        EndReason::Timeout => Text::EndTimeout.get(lang).to_owned(),
        EndReason::ReconnectWindowExpired => {
            Text::EndReconnectWindowExpired.fill(lang, &[&(RECONNECT_WINDOW_MS / 1_000).to_string()])
        }
        EndReason::ProtocolViolation(violation) => {
            Text::EndProtocolViolation.fill(lang, &[&violation_text(violation, lang)])
        }
        EndReason::IncompatibleVersion { peer } => Text::EndIncompatibleVersion.fill(lang, &[&peer.to_string()]),
    }
}

/// A broken protocol rule in `lang`, with its technical detail (if any) in brackets.
pub fn violation_text(violation: &Violation, lang: Lang) -> String {
    with_detail(violation_code_text(violation.code).get(lang), violation.detail.as_deref(), lang)
}

/// Why arrows are not over the user's real screen, in `lang`, with the display's own words (if
/// any) in brackets.
pub fn no_overlay_text(why: &NoOverlay, lang: Lang) -> String {
    if why.is_wayland_desktop() {
        return Text::NoOverlayWaylandDesktop.get(lang).to_owned();
    }
    let text = match why.code {
        NoOverlayCode::ScreenNotCaptured => Text::NoOverlayScreenNotCaptured,
        NoOverlayCode::NotLiveScreen => Text::NoOverlayNotLiveScreen,
        NoOverlayCode::OutsideDesktop => Text::NoOverlayOutsideDesktop,
        NoOverlayCode::Unavailable => Text::NoOverlayUnavailable,
        NoOverlayCode::Failed => Text::NoOverlayFailed,
    };
    with_detail(text.get(lang), why.detail.as_deref(), lang)
}

/// A ticket workflow rule that refused a change, in `lang`.
pub fn ticket_rule_text(rule: TicketRule, lang: Lang) -> String {
    match rule {
        TicketRule::AssigneeBeforeAssigned => Text::RuleAssigneeBeforeAssigned.get(lang).to_owned(),
        TicketRule::ResolutionBeforeResolved => Text::RuleResolutionBeforeResolved.get(lang).to_owned(),
        TicketRule::AssignedNeedsAssignee => Text::RuleAssignedNeedsAssignee.get(lang).to_owned(),
        TicketRule::HighestTier { max_tier } => Text::RuleHighestTier.fill(lang, &[&max_tier.to_string()]),
        TicketRule::ReopenBeforeEscalating => Text::RuleReopenBeforeEscalating.get(lang).to_owned(),
        TicketRule::ResolutionKept => Text::RuleResolutionKept.get(lang).to_owned(),
        TicketRule::RatingOutOfRange { rating } => Text::RuleRatingOutOfRange.fill(lang, &[&rating.to_string()]),
        TicketRule::RatingBeforeResolved => Text::RuleRatingBeforeResolved.get(lang).to_owned(),
    }
}

/// The words of a transcript's end reason (`reason`, `code` and `detail` as the transcript stores
/// them), in `lang`; names this build does not know are shown as they are.
pub fn stored_end_reason_text(reason: &str, code: &str, detail: &str, lang: Lang) -> String {
    let detail = Some(detail).filter(|detail| !detail.is_empty());
    let known = match reason {
        "engineer_ended" => Some(EndReason::EngineerEnded),
        "user_stopped" => Some(EndReason::UserStopped),
        "timeout" => Some(EndReason::Timeout),
        "reconnect_window_expired" => Some(EndReason::ReconnectWindowExpired),
        _ => None,
    };
    if let Some(reason) = known {
        return end_reason_text(&reason, lang);
    }
    match (reason, ViolationCode::parse(code)) {
        ("protocol_violation", Some(code)) => {
            let violation = Violation { code, detail: detail.map(str::to_owned) };
            Text::EndProtocolViolation.fill(lang, &[&violation_text(&violation, lang)])
        }
        // Transcripts from before the codes: only the English detail.
        ("protocol_violation", None) => Text::EndProtocolViolation.fill(lang, &[detail.unwrap_or("")]),
        ("incompatible_version", _) => {
            let peer = detail.and_then(|detail| detail.rsplit(' ').next()).unwrap_or("?");
            Text::EndIncompatibleVersion.fill(lang, &[peer])
        }
        _ => with_detail(&reason.replace('_', " "), detail, lang),
    }
}

fn violation_code_text(code: ViolationCode) -> Text {
    match code {
        ViolationCode::Undecodable => Text::ViolationUndecodable,
        ViolationCode::OutOfBounds => Text::ViolationOutOfBounds,
        ViolationCode::BeforeHello => Text::ViolationBeforeHello,
        ViolationCode::UnexpectedHello => Text::ViolationUnexpectedHello,
        ViolationCode::OverLimit => Text::ViolationOverLimit,
        ViolationCode::AskedAfterDontAskAgain => Text::ViolationAskedAfterDontAskAgain,
        ViolationCode::AskedTooSoon => Text::ViolationAskedTooSoon,
        ViolationCode::AskedWhileInForce => Text::ViolationAskedWhileInForce,
        ViolationCode::DecisionWithoutRequest => Text::ViolationDecisionWithoutRequest,
        ViolationCode::ScopesWithoutConsent => Text::ViolationScopesWithoutConsent,
        ViolationCode::PauseWithoutConsent => Text::ViolationPauseWithoutConsent,
        ViolationCode::StepBeforeAnswer => Text::ViolationStepBeforeAnswer,
        ViolationCode::ScreenshotWithoutRecord => Text::ViolationScreenshotWithoutRecord,
        ViolationCode::NotAllowed => Text::ViolationNotAllowed,
    }
}

fn with_detail(text: &str, detail: Option<&str>, lang: Lang) -> String {
    match detail {
        Some(detail) if !detail.trim().is_empty() => Text::WithDetail.fill(lang, &[text, detail]),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_latin_letters(text: &str) -> bool {
        text.chars().any(|ch| ch.is_ascii_alphabetic())
    }

    #[test]
    fn the_reconnect_window_is_said_as_the_protocol_sets_it() {
        let seconds = (RECONNECT_WINDOW_MS / 1_000).to_string();
        let english = end_reason_text(&EndReason::ReconnectWindowExpired, Lang::En);
        assert_eq!(english, format!("the connection did not come back within {seconds} seconds"));
        let chinese = end_reason_text(&EndReason::ReconnectWindowExpired, Lang::Zh);
        assert_eq!(chinese, format!("连接在 {seconds} 秒内没有恢复"));
    }

    #[test]
    fn every_end_reason_reads_in_chinese() {
        let reasons = [
            EndReason::EngineerEnded,
            EndReason::UserStopped,
            EndReason::Timeout,
            EndReason::ReconnectWindowExpired,
            EndReason::ProtocolViolation(Violation::new(ViolationCode::AskedTooSoon)),
            EndReason::IncompatibleVersion { peer: 2 },
        ];
        for reason in &reasons {
            let zh = end_reason_text(reason, Lang::Zh);
            assert!(!has_latin_letters(&zh), "{reason:?}: {zh}");
        }
        assert_eq!(end_reason_text(&EndReason::UserStopped, Lang::Zh), "用户停止了会话");
        assert_eq!(end_reason_text(&EndReason::UserStopped, Lang::En), "the user stopped it");
    }

    #[test]
    fn every_violation_code_reads_in_chinese_and_keeps_its_detail() {
        for code in ViolationCode::ALL {
            let zh = violation_text(&Violation::new(code), Lang::Zh);
            assert!(!has_latin_letters(&zh), "{code:?}: {zh}");
        }
        let long = Violation::with_detail(ViolationCode::OutOfBounds, "display name is 5000 characters (at most 120)");
        assert_eq!(violation_text(&long, Lang::Zh), "消息超出了限制（display name is 5000 characters (at most 120)）");
    }

    #[test]
    fn every_overlay_reason_reads_in_chinese() {
        for code in [
            NoOverlayCode::ScreenNotCaptured,
            NoOverlayCode::NotLiveScreen,
            NoOverlayCode::OutsideDesktop,
            NoOverlayCode::Unavailable,
            NoOverlayCode::Failed,
        ] {
            let zh = no_overlay_text(&NoOverlay::new(code), Lang::Zh);
            assert!(!has_latin_letters(&zh), "{code:?}: {zh}");
        }
    }

    #[test]
    fn the_wayland_reason_is_told_in_words_and_reads_as_unavailable_to_older_peers() {
        let why = NoOverlay::wayland_desktop();
        assert_eq!(no_overlay_text(&why, Lang::En), "the user's desktop (Wayland) cannot show arrows on their screen");
        assert!(no_overlay_text(&why, Lang::Zh).contains("箭头"));
        // An older build knows only the code and shows the detail as it is.
        assert_eq!(why.code, NoOverlayCode::Unavailable);
        let older = with_detail(Text::NoOverlayUnavailable.get(Lang::En), why.detail.as_deref(), Lang::En);
        assert!(older.contains("Wayland desktop"), "{older}");
        // Another detail under the same code keeps the general reason.
        let other = NoOverlay::with_detail(NoOverlayCode::Unavailable, "no SHAPE extension");
        assert!(no_overlay_text(&other, Lang::En).starts_with("arrows cannot be drawn over this screen"));
    }

    #[test]
    fn every_ticket_rule_reads_in_chinese() {
        let rules = [
            TicketRule::AssigneeBeforeAssigned,
            TicketRule::ResolutionBeforeResolved,
            TicketRule::AssignedNeedsAssignee,
            TicketRule::HighestTier { max_tier: 3 },
            TicketRule::ReopenBeforeEscalating,
            TicketRule::ResolutionKept,
            TicketRule::RatingOutOfRange { rating: 7 },
            TicketRule::RatingBeforeResolved,
        ];
        for rule in rules {
            let zh = ticket_rule_text(rule, Lang::Zh);
            assert!(!has_latin_letters(&zh), "{rule:?}: {zh}");
            assert_eq!(ticket_rule_text(rule, Lang::En), rule.to_string(), "English stays as the store says it");
        }
    }

    #[test]
    fn stored_end_reasons_are_translated_old_and_new() {
        assert_eq!(stored_end_reason_text("user_stopped", "", "", Lang::Zh), "用户停止了会话");
        let new = stored_end_reason_text("protocol_violation", "asked_too_soon", "", Lang::Zh);
        assert!(!has_latin_letters(&new), "{new}");
        let old = stored_end_reason_text("protocol_violation", "", "unexpected hello", Lang::Zh);
        assert!(old.contains("unexpected hello"), "an old English detail is kept: {old}");
        assert!(!has_latin_letters(&stored_end_reason_text("incompatible_version", "", "peer version 2", Lang::Zh)));
    }
}
