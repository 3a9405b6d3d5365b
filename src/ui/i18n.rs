//! Every UI string in English and Simplified Chinese, through Project Fluent (`fluent-bundle`): the
//! messages live in `assets/i18n/{en,zh-Hans}.ftl`, compiled in, with plural rules per language.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::model::SlaTarget;
use crate::model::{Category, Grade, Priority, Status};

/// A UI language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese (简体中文).
    Zh,
}

impl Lang {
    /// Every language, in menu order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// Stable code stored in settings.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Lang::ALL.into_iter().find(|lang| lang.code() == code)
    }

    /// Picks the language for a POSIX or BCP-47 locale such as `zh_CN.UTF-8` or `en-US`.
    pub fn from_locale(locale: &str) -> Self {
        if locale.trim().to_ascii_lowercase().starts_with("zh") { Lang::Zh } else { Lang::En }
    }

    /// The language's own name, for the settings menu.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "简体中文",
        }
    }
}

/// The English messages (Project Fluent syntax), compiled in.
const EN_FTL: &str = include_str!("../../assets/i18n/en.ftl");
/// The Simplified Chinese messages (Project Fluent syntax), compiled in.
const ZH_FTL: &str = include_str!("../../assets/i18n/zh-Hans.ftl");

impl Lang {
    /// The Fluent source of this language's messages.
    fn fluent_source(self) -> &'static str {
        match self {
            Lang::En => EN_FTL,
            Lang::Zh => ZH_FTL,
        }
    }

    /// The BCP-47 language identifier whose plural rules apply.
    fn fluent_locale(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-Hans",
        }
    }

    /// The message bundle of this language, parsed once.
    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        static BUNDLES: [OnceLock<FluentBundle<FluentResource>>; 2] = [OnceLock::new(), OnceLock::new()];
        BUNDLES[self as usize].get_or_init(|| {
            let locale: LanguageIdentifier = self.fluent_locale().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![locale]);
            bundle.set_use_isolating(false);
            // Syntax errors and duplicate ids are caught by the tests; whatever parsed is still used.
            let resource =
                FluentResource::try_new(self.fluent_source().to_owned()).unwrap_or_else(|(resource, _errors)| resource);
            bundle.add_resource_overriding(resource);
            bundle
        })
    }

    /// Formats message `id` with `args`, or `None` when the message is missing or any part fails.
    fn format(self, id: &str, args: &FluentArgs<'_>) -> Option<String> {
        let bundle = self.bundle();
        let pattern = bundle.get_message(id)?.value()?;
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }
}

/// The largest integer an `f64` (Fluent's number type) holds exactly.
const MAX_EXACT_INTEGER: i64 = 1 << 53;

/// An argument as a Fluent value: an integer written canonically (`7`, `-3`, not `007` or `+3`)
/// becomes a number so plural selectors work; anything else stays text, unchanged.
fn fluent_value(arg: &str) -> FluentValue<'_> {
    match arg.parse::<i64>() {
        Ok(number) if number.abs() <= MAX_EXACT_INTEGER && number.to_string() == arg => FluentValue::from(number),
        _ => FluentValue::from(arg),
    }
}

macro_rules! texts {
    ($($key:ident => $id:literal;)+) => {
        /// A translatable UI string: one message of `assets/i18n/*.ftl`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Text { $(#[doc = concat!("Fluent message `", $id, "`.")] $key),+ }

        impl Text {
            /// Every string, for completeness tests.
            pub const ALL: &'static [Text] = &[$(Text::$key),+];

            /// The Fluent message id.
            pub fn id(self) -> &'static str {
                match self { $(Text::$key => $id),+ }
            }
        }
    };
}

impl Text {
    /// The message in `lang` without arguments (formatted once, then cached).
    pub fn get(self, lang: Lang) -> &'static str {
        static CACHE: OnceLock<Vec<OnceLock<&'static str>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| (0..Text::ALL.len() * Lang::ALL.len()).map(|_| OnceLock::new()).collect());
        match cache.get(self as usize * Lang::ALL.len() + lang as usize) {
            // Leaked once per (text, language): bounded by the number of messages.
            Some(cell) => cell.get_or_init(|| Box::leak(self.fill(lang, &[]).into_boxed_str())),
            None => self.id(),
        }
    }

    /// The message in `lang` with `args` as `$arg1`, `$arg2`, … in order. Never fails: a message
    /// that cannot be formatted falls back to English, then to its id.
    pub fn fill(self, lang: Lang, args: &[&str]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (index, arg) in args.iter().enumerate() {
            fluent_args.set(format!("arg{}", index + 1), fluent_value(arg));
        }
        lang.format(self.id(), &fluent_args)
            .or_else(|| Lang::En.format(self.id(), &fluent_args))
            .unwrap_or_else(|| self.id().to_owned())
    }
}

texts! {
    AppTitle => "app-title";
    // Remote session, engineer side
    RemoteSession => "remote-session";
    StartRemoteSession => "start-remote-session";
    StartSessionHint => "start-session-hint";
    ViewerWaitingConsent => "viewer-waiting-consent";
    ViewerPaused => "viewer-paused";
    ShowOlderEntries => "show-older-entries";
    TranscriptSavedAgain => "transcript-saved-again";
    HeldTranscript => "held-transcript";
    UserHeldTranscript => "user-held-transcript";
    EvSessionHeld => "ev-session-held";
    EvSessionUnheld => "ev-session-unheld";
    ViewerStopped => "viewer-stopped";
    ViewerPausedCleared => "viewer-paused-cleared";
    ViewerViewScopeRemoved => "viewer-view-scope-removed";
    ViewerEnded => "viewer-ended";
    ScreenshotNeedsRecord => "screenshot-needs-record";
    AskAgainIn => "ask-again-in";
    NotAskAgain => "not-ask-again";
    DontAskAgain => "dont-ask-again";
    YouRefusedForGood => "you-refused-for-good";
    EngineerKeptScreenshot => "engineer-kept-screenshot";
    ReceiptScreenshot => "receipt-screenshot";
    ViewerLive => "viewer-live";
    ViewerFit => "viewer-fit";
    ViewerOneToOne => "viewer-one-to-one";
    TakeScreenshot => "take-screenshot";
    ViewerStats => "viewer-stats";
    EvScreenshot => "ev-screenshot";
    ToolArrow => "tool-arrow";
    ToolHighlight => "tool-highlight";
    ArrowLabel => "arrow-label";
    UndoArrow => "undo-arrow";
    FadesAfter => "fades-after";
    Fade10s => "fade10s";
    Fade30s => "fade30s";
    Fade1min => "fade1min";
    FadeNever => "fade-never";
    ClearArrows => "clear-arrows";
    ArrowsMode => "arrows-mode";
    ArrowsModeBecause => "arrows-mode-because";
    ArrowsOnYourScreen => "arrows-on-your-screen";
    ArrowsInThisWindow => "arrows-in-this-window";
    ArrowsOverlayMode => "arrows-overlay-mode";
    ArrowsNotAllowed => "arrows-not-allowed";
    GuidedSteps => "guided-steps";
    StepInstruction => "step-instruction";
    StepExpectedInput => "step-expected-input";
    AddStep => "add-step";
    AttachArrow => "attach-arrow";
    AttachStepArrow => "attach-step-arrow";
    StepPointsAt => "step-points-at";
    StepArrowKept => "step-arrow-kept";
    RemoveStepArrow => "remove-step-arrow";
    SendNextStep => "send-next-step";
    ResendStep => "resend-step";
    SkipStep => "skip-step";
    EditStep => "edit-step";
    StepDraft => "step-draft";
    StepWaiting => "step-waiting";
    StepSkippedState => "step-skipped-state";
    StepAnsweredState => "step-answered-state";
    EvArrowDrawn => "ev-arrow-drawn";
    EvArrowRemoved => "ev-arrow-removed";
    EvArrowsCleared => "ev-arrows-cleared";
    EvStepSent => "ev-step-sent";
    EvStepEdited => "ev-step-edited";
    EvStepSkipped => "ev-step-skipped";
    EvStepConfirmed => "ev-step-confirmed";
    StepHistory => "step-history";
    MoveUp => "move-up";
    MoveDown => "move-down";
    RemoveStep => "remove-step";
    GuideTitle => "guide-title";
    SaveAsGuide => "save-as-guide";
    SaveGuideChanges => "save-guide-changes";
    SaveGuideChangesHint => "save-guide-changes-hint";
    GuideSavedNotice => "guide-saved-notice";
    KnowledgeBase => "knowledge-base";
    NewGuide => "new-guide";
    PickAGuide => "pick-a-guide";
    NoGuidesFound => "no-guides-found";
    StepCount => "step-count";
    GuideLanguage => "guide-language";
    GuideTags => "guide-tags";
    GuideSteps => "guide-steps";
    StepAnswers => "step-answers";
    SaveGuide => "save-guide";
    DeleteGuide => "delete-guide";
    ConfirmDeleteGuide => "confirm-delete-guide";
    GuideDeletedNotice => "guide-deleted-notice";
    GuideNeedsTitle => "guide-needs-title";
    GuideStepNeedsInstruction => "guide-step-needs-instruction";
    FindGuide => "find-guide";
    FindButton => "find-button";
    LoadGuide => "load-guide";
    PhraseGreeting => "phrase-greeting";
    PhraseUpdate => "phrase-update";
    PhraseSaveWork => "phrase-save-work";
    PhraseClosing => "phrase-closing";
    Phrases => "phrases";
    ChatPhrasesSetting => "chat-phrases-setting";
    NetworkHeading => "network-heading";
    SessionPort => "session-port";
    AnyFreePort => "any-free-port";
    AdvertisedHost => "advertised-host";
    ThisComputer => "this-computer";
    NetworkHint => "network-hint";
    SaveNetwork => "save-network";
    NetworkSaved => "network-saved";
    PortInvalid => "port-invalid";
    SavePhrases => "save-phrases";
    StartNewSession => "start-new-session";
    JoinCodeLabel => "join-code-label";
    JoinLinkLabel => "join-link-label";
    AddressLabel => "address-label";
    Copy => "copy";
    Copied => "copied";
    CodeExpiresIn => "code-expires-in";
    TellUserCode => "tell-user-code";
    LinkWaiting => "link-waiting";
    LinkConnected => "link-connected";
    LinkReconnecting => "link-reconnecting";
    LinkEnded => "link-ended";
    LinkClosed => "link-closed";
    WrongCodeAttempt => "wrong-code-attempt";
    CodeBurnedNotice => "code-burned-notice";
    CodeExpiredNotice => "code-expired-notice";
    NewCode => "new-code";
    NewCodeHint => "new-code-hint";
    AttemptsHeading => "attempts-heading";
    AttemptsFromSource => "attempts-from-source";
    SourceBlocked => "source-blocked";
    ActorUser => "actor-user";
    ActorUserClaim => "actor-user-claim";
    ActorSystem => "actor-system";
    ConsentLabel => "consent-label";
    ConsentNotRequested => "consent-not-requested";
    ConsentWaiting => "consent-waiting";
    ConsentGrantedLive => "consent-granted-live";
    ConsentUnknownReconnecting => "consent-unknown-reconnecting";
    ConsentGrantedPaused => "consent-granted-paused";
    ConsentDeniedState => "consent-denied-state";
    ConsentRevokedState => "consent-revoked-state";
    PurposeLabel => "purpose-label";
    PurposeHint => "purpose-hint";
    AskConsent => "ask-consent";
    ChatLabel => "chat-label";
    ChatHint => "chat-hint";
    Send => "send";
    EndSession => "end-session";
    YouSaid => "you-said";
    ScopeView => "scope-view";
    ScopePointers => "scope-pointers";
    ScopeRecord => "scope-record";
    ScopesNone => "scopes-none";
    // Get help, user side
    GetHelp => "get-help";
    GetHelpIntroShort => "get-help-intro-short";
    GetHelpTitle => "get-help-title";
    GetHelpIntro => "get-help-intro";
    EnterCode => "enter-code";
    EnterAddress => "enter-address";
    OrPasteLink => "or-paste-link";
    Connect => "connect";
    Connecting => "connecting";
    CodeNotRight => "code-not-right";
    CodeBurnedUser => "code-burned-user";
    CodeExpiredUser => "code-expired-user";
    CodeUsedUser => "code-used-user";
    NotTheEngineer => "not-the-engineer";
    CannotReach => "cannot-reach";
    InvalidCodeOrAddress => "invalid-code-or-address";
    ConnectedWaiting => "connected-waiting";
    ConsentQuestion => "consent-question";
    ConsentForTicket => "consent-for-ticket";
    ConsentPurpose => "consent-purpose";
    ConsentChoose => "consent-choose";
    Allow => "allow";
    DontAllow => "dont-allow";
    SharingNow => "sharing-now";
    SharingPausedNow => "sharing-paused-now";
    PauseSharing => "pause-sharing";
    ResumeSharing => "resume-sharing";
    StopSharing => "stop-sharing";
    SharingBarTitle => "sharing-bar-title";
    // The compact sharing bar and the Get-help window's settings.
    BarCanSee => "bar-can-see";
    BarRecording => "bar-recording";
    BarDragHint => "bar-drag-hint";
    YouRefused => "you-refused";
    YouStopped => "you-stopped";
    SessionOver => "session-over";
    Leave => "leave";
    BackToDesk => "back-to-desk";
    MyReceipts => "my-receipts";
    ReceiptsEmpty => "receipts-empty";
    ReceiptsFile => "receipts-file";
    EngineerLabel => "engineer-label";
    EvSessionStarted => "ev-session-started";
    EvPairingSucceeded => "ev-pairing-succeeded";
    EvWrongCode => "ev-wrong-code";
    EvWrongCodeFrom => "ev-wrong-code-from";
    EvWrongCodeBlocked => "ev-wrong-code-blocked";
    EvCodeRenewed => "ev-code-renewed";
    EvCodeBurned => "ev-code-burned";
    EvCodeExpired => "ev-code-expired";
    EvConsentRequested => "ev-consent-requested";
    EvConsentGranted => "ev-consent-granted";
    EvConsentDenied => "ev-consent-denied";
    EvScopesChanged => "ev-scopes-changed";
    EvSharingPaused => "ev-sharing-paused";
    EvSharingResumed => "ev-sharing-resumed";
    EvConsentRevoked => "ev-consent-revoked";
    EvChat => "ev-chat";
    EvDisconnected => "ev-disconnected";
    EvReconnected => "ev-reconnected";
    EvSessionEnded => "ev-session-ended";
    // Words: reasons as codes, timeline wording, screenshots (polish-words).
    EndEngineerEnded => "end-engineer-ended";
    EndUserStopped => "end-user-stopped";
    EndTimeout => "end-timeout";
    EndReconnectWindowExpired => "end-reconnect-window-expired";
    EndProtocolViolation => "end-protocol-violation";
    EndIncompatibleVersion => "end-incompatible-version";
    WithDetail => "with-detail";
    ViolationUndecodable => "violation-undecodable";
    ViolationOutOfBounds => "violation-out-of-bounds";
    ViolationBeforeHello => "violation-before-hello";
    ViolationUnexpectedHello => "violation-unexpected-hello";
    ViolationOverLimit => "violation-over-limit";
    ViolationAskedAfterDontAskAgain => "violation-asked-after-dont-ask-again";
    ViolationAskedTooSoon => "violation-asked-too-soon";
    ViolationAskedWhileInForce => "violation-asked-while-in-force";
    ViolationDecisionWithoutRequest => "violation-decision-without-request";
    ViolationScopesWithoutConsent => "violation-scopes-without-consent";
    ViolationPauseWithoutConsent => "violation-pause-without-consent";
    ViolationStepBeforeAnswer => "violation-step-before-answer";
    ViolationScreenshotWithoutRecord => "violation-screenshot-without-record";
    ViolationNotAllowed => "violation-not-allowed";
    NoOverlayScreenNotCaptured => "no-overlay-screen-not-captured";
    NoOverlayNotLiveScreen => "no-overlay-not-live-screen";
    NoOverlayOutsideDesktop => "no-overlay-outside-desktop";
    NoOverlayUnavailable => "no-overlay-unavailable";
    NoOverlayFailed => "no-overlay-failed";
    RuleAssigneeBeforeAssigned => "rule-assignee-before-assigned";
    RuleResolutionBeforeResolved => "rule-resolution-before-resolved";
    RuleAssignedNeedsAssignee => "rule-assigned-needs-assignee";
    RuleHighestTier => "rule-highest-tier";
    RuleReopenBeforeEscalating => "rule-reopen-before-escalating";
    RuleResolutionKept => "rule-resolution-kept";
    RuleRatingOutOfRange => "rule-rating-out-of-range";
    RuleRatingBeforeResolved => "rule-rating-before-resolved";
    SlaMinutes => "sla-minutes";
    CountdownDaysHours => "countdown-days-hours";
    CountdownHoursMinutes => "countdown-hours-minutes";
    CountdownMinutes => "countdown-minutes";
    EvConsentRequestedNoReason => "ev-consent-requested-no-reason";
    EvArrowDrawnLabel => "ev-arrow-drawn-label";
    EvStepConfirmedComment => "ev-step-confirmed-comment";
    EventFieldChangedFromTo => "event-field-changed-from-to";
    Empty => "empty";
    ShowScreenshot => "show-screenshot";
    ScreenshotTitle => "screenshot-title";
    ScreenshotLoading => "screenshot-loading";
    ScreenshotUnreadable => "screenshot-unreadable";
    ScreenshotSize => "screenshot-size";
    ScreenshotNotSaved => "screenshot-not-saved";
    WhatIsShared => "what-is-shared";
    SourceMonitor => "source-monitor";
    SourceWholeScreen => "source-whole-screen";
    SourceRecordedFrames => "source-recorded-frames";
    SourceDemoPicture => "source-demo-picture";
    CaptureWaylandOnly => "capture-wayland-only";
    CaptureNoDisplay => "capture-no-display";
    NoScreenShare => "no-screen-share";
    PrivateAreas => "private-areas";
    PrivateAreasHint => "private-areas-hint";
    ClearPrivateAreas => "clear-private-areas";
    StepOf => "step-of";
    StepExpected => "step-expected";
    StepComment => "step-comment";
    StepDone => "step-done";
    StepDidntWork => "step-didnt-work";
    StepStuck => "step-stuck";
    ChangeWhatIAllow => "change-what-i-allow";
    NewTicket => "new-ticket";
    Import => "import";
    ExportJson => "export-json";
    ExportCsv => "export-csv";
    Settings => "settings";
    Search => "search";
    SearchHint => "search-hint";
    Filters => "filters";
    StatusLabel => "status-label";
    PriorityLabel => "priority-label";
    CategoryLabel => "category-label";
    AssigneeLabel => "assignee-label";
    SlaLabel => "sla-label";
    Any => "any";
    OpenOnly => "open-only";
    Unassigned => "unassigned";
    SlaAtRisk => "sla-at-risk";
    SlaBreached => "sla-breached";
    TicketCount => "ticket-count";
    Loading => "loading";
    NoMatches => "no-matches";
    ClearFilters => "clear-filters";
    EmptyStoreTitle => "empty-store-title";
    EmptyStoreBody => "empty-store-body";
    LoadSamples => "load-samples";
    SelectTicket => "select-ticket";
    StoreFailedTitle => "store-failed-title";
    Retry => "retry";
    // Ticket fields
    FieldTitle => "field-title";
    FieldRequester => "field-requester";
    FieldDepartment => "field-department";
    FieldContact => "field-contact";
    FieldLocation => "field-location";
    FieldSystem => "field-system";
    FieldVersion => "field-version";
    FieldDescription => "field-description";
    FieldExpectation => "field-expectation";
    FieldImpact => "field-impact";
    FieldUrgency => "field-urgency";
    FieldImpactGrade => "field-impact-grade";
    FieldReportedAt => "field-reported-at";
    ReportedAtHint => "reported-at-hint";
    ReportedAtInvalid => "reported-at-invalid";
    FieldCreatedAt => "field-created-at";
    FieldTier => "field-tier";
    Required => "required";
    TooLong => "too-long";
    CreateTicket => "create-ticket";
    Cancel => "cancel";
    SaveChanges => "save-changes";
    Revert => "revert";
    NewTicketHeading => "new-ticket-heading";
    PriorityFollows => "priority-follows";
    // Detail
    Details => "details";
    Workflow => "workflow";
    MoveTo => "move-to";
    AssignTo => "assign-to";
    Assign => "assign";
    AssignToMe => "assign-to-me";
    Escalate => "escalate";
    EscalationReason => "escalation-reason";
    Resolution => "resolution";
    SaveResolution => "save-resolution";
    Satisfaction => "satisfaction";
    SatisfactionComment => "satisfaction-comment";
    RecordRating => "record-rating";
    Notes => "notes";
    AddNote => "add-note";
    NoteHint => "note-hint";
    Timeline => "timeline";
    SlaResponseLeft => "sla-response-left";
    SlaResolutionLeft => "sla-resolution-left";
    SlaResponseOverdue => "sla-response-overdue";
    SlaResolutionOverdue => "sla-resolution-overdue";
    SlaPaused => "sla-paused";
    SlaStopped => "sla-stopped";
    Tier => "tier";
    // Status, priority, category, grade names
    StatusNew => "status-new";
    StatusAssigned => "status-assigned";
    StatusInProgress => "status-in-progress";
    StatusWaiting => "status-waiting";
    StatusResolved => "status-resolved";
    StatusClosed => "status-closed";
    PriorityUrgent => "priority-urgent";
    PriorityImportant => "priority-important";
    PriorityNormal => "priority-normal";
    CategoryHardware => "category-hardware";
    CategorySoftware => "category-software";
    CategoryNetwork => "category-network";
    CategoryDatabase => "category-database";
    CategoryAccount => "category-account";
    CategoryOther => "category-other";
    GradeHigh => "grade-high";
    GradeMedium => "grade-medium";
    GradeLow => "grade-low";
    // Timeline entries
    EventCreated => "event-created";
    EventImported => "event-imported";
    ImportedFrom => "imported-from";
    EventFieldChanged => "event-field-changed";
    EventClassification => "event-classification";
    EventStatus => "event-status";
    EventAssignee => "event-assignee";
    EventEscalated => "event-escalated";
    EventNote => "event-note";
    EventResolution => "event-resolution";
    EventSatisfaction => "event-satisfaction";
    Nobody => "nobody";
    // Profile and settings
    ProfileHeading => "profile-heading";
    ProfileBody => "profile-body";
    ProfileName => "profile-name";
    ProfileTeam => "profile-team";
    Save => "save";
    Language => "language";
    FollowSystem => "follow-system";
    DataFolder => "data-folder";
    SlaPolicy => "sla-policy";
    Close => "close";
    // Notices
    Created => "created";
    Saved => "saved";
    SamplesLoaded => "samples-loaded";
    Exported => "exported";
    ImportedNotice => "imported-notice";
    TranscriptNotSaved => "transcript-not-saved";
    Dismiss => "dismiss";
    Engineer => "engineer";
    // Console polish (issue 10)
    ContactEmailHint => "contact-email-hint";
    FileDialogUnavailable => "file-dialog-unavailable";
    FilePath => "file-path";
    ImportTitle => "import-title";
    ExportJsonTitle => "export-json-title";
    ExportCsvTitle => "export-csv-title";
    ImportButton => "import-button";
    ExportButton => "export-button";
    PathRequired => "path-required";
    SampleData => "sample-data";
    NoGuideMatches => "no-guide-matches";
    EndSessionConfirm => "end-session-confirm";
    EndSessionYes => "end-session-yes";
    WrongCodeLastAttempt => "wrong-code-last-attempt";
}

/// Translated status name.
pub fn status_text(status: Status) -> Text {
    match status {
        Status::New => Text::StatusNew,
        Status::Assigned => Text::StatusAssigned,
        Status::InProgress => Text::StatusInProgress,
        Status::WaitingOnUser => Text::StatusWaiting,
        Status::Resolved => Text::StatusResolved,
        Status::Closed => Text::StatusClosed,
    }
}

/// Translated priority name.
pub fn priority_text(priority: Priority) -> Text {
    match priority {
        Priority::Urgent => Text::PriorityUrgent,
        Priority::Important => Text::PriorityImportant,
        Priority::Normal => Text::PriorityNormal,
    }
}

/// Translated category name.
pub fn category_text(category: Category) -> Text {
    match category {
        Category::Hardware => Text::CategoryHardware,
        Category::Software => Text::CategorySoftware,
        Category::Network => Text::CategoryNetwork,
        Category::Database => Text::CategoryDatabase,
        Category::Account => Text::CategoryAccount,
        Category::Other => Text::CategoryOther,
    }
}

/// Translated grade name.
pub fn grade_text(grade: Grade) -> Text {
    match grade {
        Grade::High => Text::GradeHigh,
        Grade::Medium => Text::GradeMedium,
        Grade::Low => Text::GradeLow,
    }
}

/// The shipped canned chat phrases of `lang` (`{name}` stands for the engineer's name).
pub fn default_phrases(lang: Lang) -> Vec<String> {
    [Text::PhraseGreeting, Text::PhraseUpdate, Text::PhraseSaveWork, Text::PhraseClosing]
        .iter()
        .map(|text| text.get(lang).to_owned())
        .collect()
}

/// Translated label of an intake field by its stable name.
pub fn field_text(name: &str) -> Option<Text> {
    Some(match name {
        "title" => Text::FieldTitle,
        "requester_name" => Text::FieldRequester,
        "department" => Text::FieldDepartment,
        "contact" => Text::FieldContact,
        "location" => Text::FieldLocation,
        "affected_system" => Text::FieldSystem,
        "affected_version" => Text::FieldVersion,
        "description" => Text::FieldDescription,
        "expectation" => Text::FieldExpectation,
        "business_impact" => Text::FieldImpact,
        _ => return None,
    })
}

/// The countdown template for a deadline: (left, overdue).
pub fn sla_texts(target: SlaTarget) -> (Text, Text) {
    match target {
        SlaTarget::Response => (Text::SlaResponseLeft, Text::SlaResponseOverdue),
        SlaTarget::Resolution => (Text::SlaResolutionLeft, Text::SlaResolutionOverdue),
    }
}

/// Why the screen cannot be shared, in the user's language (technical details stay as they are).
pub fn capture_error_text(error: &crate::capture::CaptureError, lang: Lang) -> String {
    use crate::capture::CaptureError;
    match error {
        CaptureError::WaylandOnly => Text::CaptureWaylandOnly.get(lang).to_owned(),
        CaptureError::NoDisplay => Text::CaptureNoDisplay.get(lang).to_owned(),
        other => other.to_string(),
    }
}

/// What a screen source shares, in the user's language.
pub fn source_label_text(label: &crate::capture::SourceLabel, lang: Lang) -> String {
    use crate::capture::SourceLabel;
    match label {
        SourceLabel::Monitor { number, width, height } => {
            Text::SourceMonitor.fill(lang, &[&number.to_string(), &width.to_string(), &height.to_string()])
        }
        SourceLabel::WholeScreen { width, height } => {
            Text::SourceWholeScreen.fill(lang, &[&width.to_string(), &height.to_string()])
        }
        SourceLabel::RecordedFrames { dir } => Text::SourceRecordedFrames.fill(lang, &[&dir.display().to_string()]),
        SourceLabel::DemoPicture => Text::SourceDemoPicture.get(lang).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_shared_and_why_not_read_in_chinese() {
        use crate::capture::{CaptureError, SourceLabel};
        let monitor = SourceLabel::Monitor { number: 1, width: 1920, height: 1080 };
        assert_eq!(source_label_text(&monitor, Lang::Zh), "屏幕 1（1920×1080）");
        assert_eq!(source_label_text(&SourceLabel::DemoPicture, Lang::En), SourceLabel::DemoPicture.to_string());
        assert_eq!(
            capture_error_text(&CaptureError::WaylandOnly, Lang::Zh),
            "这是 Wayland 会话，暂不支持共享 Wayland 屏幕"
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
}
