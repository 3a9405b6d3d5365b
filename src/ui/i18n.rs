//! The one translation table: every UI string in English and Simplified Chinese.

use crate::store::sla::SlaTarget;
use crate::store::{Category, Grade, Priority, Status};

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

macro_rules! texts {
    ($($key:ident => $en:literal, $zh:literal;)+) => {
        /// A translatable UI string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Text { $(#[doc = $en] $key),+ }

        impl Text {
            /// Every string, for completeness tests.
            pub const ALL: &'static [Text] = &[$(Text::$key),+];

            /// The string in `lang`.
            pub fn get(self, lang: Lang) -> &'static str {
                match self { $(Text::$key => match lang { Lang::En => $en, Lang::Zh => $zh }),+ }
            }
        }
    };
}

texts! {
    AppTitle => "Stepwise", "Stepwise 远程支持台";
    // Remote session, engineer side
    RemoteSession => "Remote session", "远程协助";
    StartRemoteSession => "Start remote session", "发起远程协助";
    StartSessionHint => "Ask the user to share their screen: start a session, then give them the code.", "请用户共享屏幕：发起会话后，把连接码告诉用户。";
    ViewerWaitingConsent => "Waiting for the user's consent to see the screen", "等待用户同意查看屏幕";
    ViewerPaused => "Paused by the user", "用户已暂停共享";
    ShowOlderEntries => "Show older entries ({} more)", "显示更早的记录（还有 {} 条）";
    TranscriptSavedAgain => "The session transcript is saved again; the session goes on.", "会话记录已恢复保存，会话继续。";
    HeldTranscript => "On hold: this console cannot write the session's record right now (its database is busy or full). Nothing is shared, drawn or asked until it can.", "已暂停：此控制台暂时无法写入会话记录（数据库繁忙或已满）。恢复之前不共享、不标注、不发请求。";
    UserHeldTranscript => "On hold: the engineer's console cannot record this session right now. Nothing of your screen is shared until it can.", "已暂停：工程师的控制台暂时无法记录本次会话。恢复之前不会共享您的屏幕。";
    EvSessionHeld => "Session on hold: the transcript could not be written", "会话暂停：无法写入会话记录";
    EvSessionUnheld => "Hold ended: the transcript is written again", "暂停结束：会话记录已恢复写入";
    ViewerStopped => "The user stopped sharing. Nothing of their screen is kept here.", "用户已停止共享。这里不保留其屏幕的任何内容。";
    ViewerPausedCleared => "Paused by the user. The picture is hidden until they resume.", "用户已暂停共享。恢复共享前画面不显示。";
    ViewerViewScopeRemoved => "The user no longer allows you to see the screen.", "用户已不再允许查看屏幕。";
    ViewerEnded => "The session is over. Nothing of the user's screen is kept here.", "会话已结束。这里不保留用户屏幕的任何内容。";
    ScreenshotNeedsRecord => "Screenshots need the user's consent to record this session.", "截图需要用户同意录制本次会话。";
    AskAgainIn => "The user said no. You can ask again in {} s.", "用户拒绝了。{} 秒后可以再次请求。";
    NotAskAgain => "The user asked not to be asked again in this session.", "用户要求本次会话中不要再次请求。";
    DontAskAgain => "Don't ask again in this session", "本次会话中不要再问我";
    YouRefusedForGood => "You said no. Nothing was shared, and you will not be asked again in this session.", "您已拒绝，未共享任何内容，本次会话中不会再次询问您。";
    EngineerKeptScreenshot => "{}: the engineer kept a screenshot of your screen (you allowed recording).", "{}：工程师保存了您屏幕的一张截图（您已允许录制）。";
    ReceiptScreenshot => "Screenshot kept by the engineer", "工程师保存了截图";
    ViewerLive => "Live", "实时画面";
    ViewerFit => "Fit", "适应窗口";
    ViewerOneToOne => "1:1", "原始大小";
    TakeScreenshot => "Take screenshot", "截图存入工单";
    ViewerStats => "{} fps · {} ms · {} kbit/s · {} skipped", "{} 帧/秒 · {} 毫秒 · {} kbit/s · 跳过 {} 帧";
    EvScreenshot => "Screenshot attached: {}", "已附加截图：{}";
    ToolArrow => "Arrow", "箭头";
    ToolHighlight => "Highlight", "框选";
    ArrowLabel => "Label", "标注文字";
    UndoArrow => "Undo", "撤销";
    FadesAfter => "Fades after", "消失时间";
    Fade10s => "10 s", "10 秒";
    Fade30s => "30 s", "30 秒";
    Fade1min => "1 min", "1 分钟";
    FadeNever => "never", "不自动消失";
    ClearArrows => "Clear all", "全部清除";
    ArrowsMode => "Drag on the picture to point. Arrows appear in the user's Get-help window over a picture of their screen.", "在画面上拖动即可指示。箭头会显示在用户“获取帮助”窗口中的屏幕画面上。";
    ArrowsModeBecause => "Drag on the picture to point. Arrows appear in the user's Get-help window over a picture of their screen, not on the screen itself: {}", "在画面上拖动即可指示。箭头会显示在用户“获取帮助”窗口中的屏幕画面上，而不是直接画在屏幕上：{}";
    ArrowsOnYourScreen => "The engineer's arrows appear right on your screen. They never catch your clicks, and vanish when you pause or stop.", "工程师的箭头会直接显示在您的屏幕上。它们不会挡住您的点击，您暂停或停止时会立即消失。";
    ArrowsInThisWindow => "The engineer's arrows appear in the picture of your screen below.", "工程师的箭头会显示在下方您屏幕的画面上。";
    ArrowsOverlayMode => "Drag on the picture to point. Arrows are drawn on the user's own screen, exactly over the spot.", "在画面上拖动即可指示。箭头会直接画在用户自己的屏幕上对应的位置。";
    ArrowsNotAllowed => "The user has not allowed arrows on their screen.", "用户未允许在其屏幕上显示箭头。";
    GuidedSteps => "Guided steps", "分步指导";
    StepInstruction => "Instruction", "操作说明";
    StepExpectedInput => "Expected result (optional)", "预期结果（可选）";
    AddStep => "Add step", "添加步骤";
    AttachArrow => "with the last arrow", "附上最后一个箭头";
    AttachStepArrow => "with the step's arrow", "附上此步的箭头";
    StepPointsAt => "This step points at the screen with an arrow {}", "此步用箭头指示屏幕位置 {}";
    StepArrowKept => "Points at the screen (arrow {})", "指示屏幕位置（箭头 {}）";
    RemoveStepArrow => "Remove the arrow", "去掉箭头";
    SendNextStep => "Send next step", "发送下一步";
    ResendStep => "Resend", "重新发送";
    SkipStep => "Skip", "跳过";
    EditStep => "Save edit and resend", "保存修改并重新发送";
    StepDraft => "not sent", "未发送";
    StepWaiting => "waiting for the user…", "等待用户回应…";
    StepSkippedState => "skipped", "已跳过";
    StepAnsweredState => "{} after {} s", "{}（用时 {} 秒）";
    EvArrowDrawn => "Pointed at the user's screen", "在用户屏幕上做了指示";
    EvArrowRemoved => "Took an arrow back", "撤销了一个箭头";
    EvArrowsCleared => "Cleared the arrows", "清除了所有箭头";
    EvStepSent => "Step {} of {} sent: {}", "已发送第 {} 步（共 {} 步）：{}";
    EvStepEdited => "Step {} edited: {}", "第 {} 步已修改：{}";
    EvStepSkipped => "Step skipped", "跳过了一步";
    EvStepConfirmed => "answered: {} ({} s)", "回应：{}（{} 秒）";
    StepHistory => "earlier: didn't work {} · stuck {}", "以往：没有成功 {} 次 · 卡住 {} 次";
    MoveUp => "Move up", "上移";
    MoveDown => "Move down", "下移";
    RemoveStep => "Remove step", "删除此步";
    GuideTitle => "Guide title", "指南标题";
    SaveAsGuide => "Save steps as a guide", "将这些步骤存为指南";
    SaveGuideChanges => "Save changes to the guide", "保存对指南的修改";
    SaveGuideChangesHint => "Replace the steps of “{}” in the knowledge base with these (answer counts follow unchanged steps)", "用这些步骤替换知识库中“{}”的步骤（未改动的步骤保留其回答统计）";
    GuideSavedNotice => "Saved to the knowledge base", "已存入知识库";
    KnowledgeBase => "Knowledge base", "知识库";
    NewGuide => "New guide", "新建指南";
    PickAGuide => "Pick a guide on the left to read or edit it, or write a new one.", "在左侧选择一个指南查看或编辑，或新建一个。";
    NoGuidesFound => "No guide matches.", "没有匹配的指南。";
    StepCount => "{} steps", "{} 步";
    GuideLanguage => "Language", "语言";
    GuideTags => "Tags (separated by spaces)", "标签（以空格分隔）";
    GuideSteps => "Steps", "步骤";
    StepAnswers => "done {} · didn't work {} · stuck {}", "完成 {} · 没用 {} · 卡住 {}";
    SaveGuide => "Save guide", "保存指南";
    DeleteGuide => "Remove guide", "删除指南";
    ConfirmDeleteGuide => "Remove this guide and its answer counts?", "删除此指南及其回答统计？";
    GuideDeletedNotice => "Removed from the knowledge base", "已从知识库删除";
    GuideNeedsTitle => "A guide needs a title.", "指南需要标题。";
    GuideStepNeedsInstruction => "Every step needs an instruction.", "每一步都需要操作说明。";
    FindGuide => "Find a guide", "查找指南";
    FindButton => "Find", "查找";
    LoadGuide => "Use: {}", "使用：{}";
    PhraseGreeting => "Hello, this is {name} from the service desk. I'm here to help with your ticket.", "您好，我是服务台的{name}，来协助处理您的工单。";
    PhraseUpdate => "I'll check this and update you within 15 minutes.", "我先查一下，15 分钟内给您回复。";
    PhraseSaveWork => "Before we start, please save your work and close documents you don't need.", "开始之前，请先保存正在编辑的内容，并关闭不需要的文档。";
    PhraseClosing => "It works now. I'll close the ticket; thank you for your patience!", "现在已经好了。我会关闭这个工单，感谢您的耐心！";
    Phrases => "Phrases", "常用语";
    ChatPhrasesSetting => "Chat phrases ({}), one per line", "聊天常用语（{}），每行一句";
    NetworkHeading => "Remote sessions: where users connect", "远程会话：用户连接的位置";
    SessionPort => "Session port (UDP)", "会话端口（UDP）";
    AnyFreePort => "any free port", "任意空闲端口";
    AdvertisedHost => "Address in join links", "加入链接中的地址";
    ThisComputer => "this computer's address", "本机地址";
    NetworkHint => "Applies to sessions started from now on. Further sessions at the same time take the next ports. --session-port and --advertise on the command line take precedence.", "对此后开始的会话生效。同时进行的其他会话使用后续端口。命令行的 --session-port 和 --advertise 优先。";
    SaveNetwork => "Save network settings", "保存网络设置";
    NetworkSaved => "Network settings saved; new sessions use them.", "网络设置已保存，新会话将使用。";
    PortInvalid => "\"{}\" is not a port number (1–65535, or empty for any free port).", "“{}”不是有效端口（1–65535，留空表示任意空闲端口）。";
    SavePhrases => "Save phrases", "保存常用语";
    StartNewSession => "Start a new session", "重新发起远程协助";
    JoinCodeLabel => "Join code", "连接码";
    JoinLinkLabel => "Join link", "连接链接";
    AddressLabel => "Address", "地址";
    Copy => "Copy", "复制";
    Copied => "Copied", "已复制";
    CodeExpiresIn => "Code works for {}", "连接码有效期还剩 {}";
    TellUserCode => "Read the code to the user, or send the link.", "请把连接码读给用户，或发送连接链接。";
    LinkWaiting => "Waiting for the user to join…", "等待用户加入…";
    LinkConnected => "Connected to {}", "已连接：{}";
    LinkReconnecting => "Reconnecting…", "正在重新连接…";
    LinkEnded => "Session ended: {}", "会话已结束：{}";
    LinkClosed => "Session closed", "会话已关闭";
    WrongCodeAttempt => "A wrong code came from {} ({} more wrong attempts burn the code)", "来自 {} 的连接码错误（再错 {} 次连接码将作废）";
    CodeBurnedNotice => "The code was burned after too many wrong attempts. Issue a new code, or start a new session.", "连接码错误次数过多，已作废。请换一个连接码，或重新发起。";
    CodeExpiredNotice => "The code expired before anyone joined. Issue a new code, or start a new session.", "连接码已过期，无人加入。请换一个连接码，或重新发起。";
    NewCode => "New code", "换一个连接码";
    NewCodeHint => "Replace the code for this session: the old one stops working at once.", "为本会话换一个连接码：旧码立即失效。";
    AttemptsHeading => "Wrong codes came from:", "输错连接码的来源：";
    AttemptsFromSource => "{}: {} wrong", "{}：错 {} 次";
    SourceBlocked => "{}: {} wrong, shut out", "{}：错 {} 次，已拦截";
    ActorUser => "User", "用户";
    ActorUserClaim => "User (says: {})", "用户（自称：{}）";
    ActorSystem => "System", "系统";
    ConsentLabel => "Consent", "授权";
    ConsentNotRequested => "Not requested yet", "尚未请求";
    ConsentWaiting => "Waiting for the user's answer…", "等待用户回应…";
    ConsentGrantedLive => "Granted, live: {}", "已授权，共享中：{}";
    ConsentUnknownReconnecting => "Unknown until the link is back (nothing is shared meanwhile)", "连接恢复前未知（期间不共享任何内容）";
    ConsentGrantedPaused => "Granted, paused by the user: {}", "已授权，用户已暂停：{}";
    ConsentDeniedState => "The user said no", "用户拒绝了请求";
    ConsentRevokedState => "The user withdrew consent", "用户已撤回授权";
    PurposeLabel => "Why you need to see the screen", "查看屏幕的原因";
    PurposeHint => "e.g. Check the printer settings with you", "例如：和您一起检查打印机设置";
    AskConsent => "Ask for consent", "请求授权";
    ChatLabel => "Chat", "聊天";
    ChatHint => "Type a message…", "输入消息…";
    Send => "Send", "发送";
    EndSession => "End session", "结束会话";
    YouSaid => "You", "你";
    ScopeView => "See my screen", "查看我的屏幕";
    ScopePointers => "Show pointers and arrows on my screen", "在我的屏幕上显示指示箭头";
    ScopeRecord => "Record this session", "录制本次会话";
    ScopesNone => "nothing", "无";
    // Get help, user side
    GetHelp => "Get help", "获取帮助";
    GetHelpIntroShort => "Not an engineer? If a support engineer gave you a code, choose Get help.", "不是工程师？如果支持工程师给了您连接码，请点“获取帮助”。";
    GetHelpTitle => "Get help from an engineer", "获取工程师的帮助";
    GetHelpIntro => "Your support engineer gave you a code and an address (or a link). Nothing on your screen is shared until you say yes.", "支持工程师会给您一个连接码和地址（或一个链接）。在您同意之前，屏幕上的任何内容都不会被共享。";
    EnterCode => "Code (9 digits)", "连接码（9 位数字）";
    EnterAddress => "Address (host:port)", "地址（主机:端口）";
    OrPasteLink => "…or paste the link", "……或粘贴连接链接";
    Connect => "Connect", "连接";
    Connecting => "Connecting…", "正在连接…";
    CodeNotRight => "That code is not right. Check the digits and try again ({} attempts left).", "连接码不正确。请核对数字后再试（还可尝试 {} 次）。";
    CodeBurnedUser => "This code no longer works (too many wrong tries). Ask your engineer for a new one.", "此连接码已失效（错误次数过多）。请向工程师索取新的连接码。";
    CodeExpiredUser => "This code has expired. Ask your engineer for a new one.", "此连接码已过期。请向工程师索取新的连接码。";
    CodeUsedUser => "This code was already used. Ask your engineer for a new one.", "此连接码已被使用。请向工程师索取新的连接码。";
    NotTheEngineer => "The other side could not prove it is your engineer. Nothing was shared.", "对方无法证明是您的工程师，未共享任何内容。";
    CannotReach => "Cannot reach the engineer: {}", "无法连接到工程师：{}";
    InvalidCodeOrAddress => "Enter the 9-digit code and the address, or paste the whole link.", "请输入 9 位连接码和地址，或粘贴完整链接。";
    ConnectedWaiting => "Connected to {}. Waiting for the engineer's request…", "已连接到 {}，等待工程师的请求…";
    ConsentQuestion => "{} from {} wants to see your screen", "{}（{}）想查看您的屏幕";
    ConsentForTicket => "For ticket {}: {}", "工单 {}：{}";
    ConsentPurpose => "Reason: {}", "原因：{}";
    ConsentChoose => "Choose what you allow:", "请选择您允许的内容：";
    Allow => "Allow", "允许";
    DontAllow => "Don't allow", "不允许";
    SharingNow => "Sharing with {}: {}", "正在与 {} 共享：{}";
    SharingPausedNow => "Sharing paused", "已暂停共享";
    PauseSharing => "Pause sharing", "暂停共享";
    ResumeSharing => "Resume sharing", "继续共享";
    StopSharing => "Stop sharing", "停止共享";
    SharingBarTitle => "Stepwise – sharing", "Stepwise – 正在共享";
    // The compact sharing bar and the Get-help window's settings.
    BarCanSee => "{} can see: {}", "{} 可以看到：{}";
    BarRecording => "Recording", "正在录制";
    BarDragHint => "Drag the bar to move it", "拖动此栏可移动它";
    YouRefused => "You said no. Nothing was shared.", "您已拒绝，未共享任何内容。";
    YouStopped => "You stopped sharing. Nothing more is shared.", "您已停止共享，不再共享任何内容。";
    SessionOver => "The session is over: {}", "会话已结束：{}";
    Leave => "Close", "关闭";
    BackToDesk => "Back to the ticket desk", "返回工单台";
    MyReceipts => "My consent receipts", "我的授权记录";
    ReceiptsEmpty => "No consent decisions recorded yet.", "还没有授权记录。";
    ReceiptsFile => "Saved in {}", "保存在 {}";
    EngineerLabel => "Engineer", "工程师";
    EvSessionStarted => "Remote session started (code issued)", "发起了远程协助（已生成连接码）";
    EvPairingSucceeded => "joined the session", "加入了会话";
    EvWrongCode => "A wrong join code was entered ({} attempts left)", "有人输入了错误的连接码（还可尝试 {} 次）";
    EvWrongCodeFrom => "A wrong join code came from {} ({} from there; {} more burn the code)", "来自 {} 的连接码错误（该来源第 {} 次；再错 {} 次连接码作废）";
    EvWrongCodeBlocked => "A wrong join code came from {} ({} from there: shut out; {} more burn the code)", "来自 {} 的连接码错误（该来源第 {} 次，已拦截；再错 {} 次连接码作废）";
    EvCodeRenewed => "A new join code was issued; the old one no longer works", "已换新的连接码，旧码已失效";
    EvCodeBurned => "The join code was burned after too many wrong attempts", "连接码错误次数过多，已作废";
    EvCodeExpired => "The join code expired", "连接码已过期";
    EvConsentRequested => "Asked for consent: {}", "请求授权：{}";
    EvConsentGranted => "Consent granted: {}", "授权：{}";
    EvConsentDenied => "Consent refused", "拒绝了授权";
    EvScopesChanged => "changed what is allowed: {}", "修改了授权范围：{}";
    EvSharingPaused => "paused sharing", "暂停了共享";
    EvSharingResumed => "resumed sharing", "继续了共享";
    EvConsentRevoked => "withdrew consent", "撤回了授权";
    EvChat => "Chat: {}", "聊天：{}";
    EvDisconnected => "Connection lost", "连接中断";
    EvReconnected => "Reconnected after {} s", "{} 秒后重新连接";
    EvSessionEnded => "Session ended: {}", "会话结束：{}";
    // Words: reasons as codes, timeline wording, screenshots (polish-words).
    EndEngineerEnded => "the engineer ended it", "工程师结束了会话";
    EndUserStopped => "the user stopped it", "用户停止了会话";
    EndTimeout => "no answer for 30 seconds", "30 秒内没有回应";
    EndReconnectWindowExpired => "the connection did not come back within 60 seconds", "连接在 60 秒内没有恢复";
    EndProtocolViolation => "the other side broke the rules of the session: {}", "对方违反了会话规则：{}";
    EndIncompatibleVersion => "the other side runs protocol version {}", "对方使用的协议版本 {} 与本机不兼容";
    WithDetail => "{} ({})", "{}（{}）";
    ViolationUndecodable => "a message could not be read", "收到无法解读的消息";
    ViolationOutOfBounds => "a message was beyond the limits", "消息超出了限制";
    ViolationBeforeHello => "a message arrived before the greeting", "在问候之前收到了消息";
    ViolationUnexpectedHello => "an unexpected greeting arrived", "收到了意外的问候";
    ViolationOverLimit => "the other side sent too much or too fast", "对方发送的内容过多或过快";
    ViolationAskedAfterDontAskAgain => "consent was requested again after the user asked not to be asked", "用户要求不再询问后，对方仍再次请求授权";
    ViolationAskedTooSoon => "consent was requested again too soon after the user said no", "用户拒绝后不久，对方又请求授权";
    ViolationAskedWhileInForce => "consent was requested while a request or consent was in force", "已有请求或授权生效时，对方又请求授权";
    ViolationDecisionWithoutRequest => "a consent answer arrived without a request", "没有请求却收到了授权答复";
    ViolationScopesWithoutConsent => "the allowed scopes changed without consent", "未经授权却修改了授权范围";
    ViolationPauseWithoutConsent => "sharing was paused or resumed without consent", "未经授权却暂停或继续了共享";
    ViolationStepBeforeAnswer => "a new step arrived before the current one was answered", "当前步骤尚未回应就收到了新步骤";
    ViolationScreenshotWithoutRecord => "a screenshot was kept without consent to record", "未经录制授权就保存了截图";
    ViolationNotAllowed => "a message arrived that the other side may not send", "收到了对方无权发送的消息";
    NoOverlayScreenNotCaptured => "the screen cannot be captured here", "此处无法截取屏幕";
    NoOverlayNotLiveScreen => "the user shares recorded frames or the built-in picture, not the live screen", "用户共享的是录制的画面或内置图片，而不是实时屏幕";
    NoOverlayOutsideDesktop => "the shared monitor lies outside the desktop's coordinates", "共享的显示器超出了桌面坐标范围";
    NoOverlayUnavailable => "arrows cannot be drawn over this screen", "无法直接在这块屏幕上绘制箭头";
    NoOverlayFailed => "drawing over the screen failed", "在屏幕上绘制失败";
    RuleAssigneeBeforeAssigned => "choose an assignee before marking the ticket assigned", "请先选择处理人，再将工单标记为已分配";
    RuleResolutionBeforeResolved => "write the resolution before resolving the ticket", "请先填写解决方案，再将工单标记为已解决";
    RuleAssignedNeedsAssignee => "an assigned ticket needs an assignee; move it back to new first", "已分配的工单必须有处理人；请先将其退回“新建”";
    RuleHighestTier => "the ticket is already at the highest tier ({})", "工单已处于最高级别（{} 线）";
    RuleReopenBeforeEscalating => "reopen the ticket before escalating it", "请先重新打开工单，再升级";
    RuleResolutionKept => "a resolved ticket keeps its resolution; reopen it first", "已解决的工单保留其解决方案；请先重新打开";
    RuleRatingOutOfRange => "a satisfaction rating is 1 to 5, not {}", "满意度评分应为 1 到 5，而不是 {}";
    RuleRatingBeforeResolved => "ask for a rating once the ticket is resolved", "请在工单解决后再请求评分";
    SlaMinutes => "{} min / {} min", "{} 分钟 / {} 分钟";
    CountdownDaysHours => "{}d {}h", "{}天{}时";
    CountdownHoursMinutes => "{}h {}m", "{}时{}分";
    CountdownMinutes => "{}m", "{}分";
    EvConsentRequestedNoReason => "Asked for consent (no reason given)", "请求授权（未说明原因）";
    EvArrowDrawnLabel => "Pointed at the user's screen: “{}”", "在用户屏幕上指示：“{}”";
    EvStepConfirmedComment => "answered: {} ({} s), saying “{}”", "回应：{}（{} 秒），并说明：“{}”";
    EventFieldChangedFromTo => "changed {} from “{}” to “{}”", "将{}从“{}”改为“{}”";
    Empty => "(empty)", "（空）";
    ShowScreenshot => "Show", "查看";
    ScreenshotTitle => "Screenshot {}", "截图 {}";
    ScreenshotLoading => "Loading the picture…", "正在加载图片…";
    ScreenshotUnreadable => "The picture cannot be shown: {}", "无法显示图片：{}";
    ScreenshotSize => "{}×{} pixels", "{}×{} 像素";
    ScreenshotNotSaved => "The screenshot could not be saved: {}", "截图无法保存：{}";
    WhatIsShared => "What will be shared: {}", "将共享的内容：{}";
    SourceMonitor => "Screen {} ({}×{})", "屏幕 {}（{}×{}）";
    SourceWholeScreen => "Whole screen ({}×{})", "整个屏幕（{}×{}）";
    SourceRecordedFrames => "Recorded frames from {} (not your live screen)", "来自 {} 的录制画面（不是您的实时屏幕）";
    SourceDemoPicture => "Built-in demo picture (not your live screen)", "内置演示画面（不是您的实时屏幕）";
    CaptureWaylandOnly => "this is a Wayland session, and sharing a Wayland screen is not supported yet", "这是 Wayland 会话，暂不支持共享 Wayland 屏幕";
    CaptureNoDisplay => "there is no graphical display here", "此处没有图形显示";
    NoScreenShare => "Your screen cannot be shared from here ({}). You can still chat.", "此处无法共享屏幕（{}），但仍可聊天。";
    PrivateAreas => "Private areas", "隐私区域";
    PrivateAreasHint => "Drag over the picture to hide a part of your screen; it is blacked out before anything is sent.", "在下方画面上拖动即可隐藏屏幕的某个区域；该区域在发送前就会被涂黑。";
    ClearPrivateAreas => "Show everything again", "取消所有隐私区域";
    StepOf => "Step {} of {}", "第 {} 步，共 {} 步";
    StepExpected => "You should now see: {}", "完成后您应该看到：{}";
    StepComment => "Comment (optional)", "备注（可选）";
    StepDone => "Done", "完成了";
    StepDidntWork => "Didn't work", "没有成功";
    StepStuck => "I'm stuck", "我卡住了";
    ChangeWhatIAllow => "What I allow", "我允许的内容";
    NewTicket => "New ticket", "新建工单";
    Import => "Import…", "导入…";
    ExportJson => "Export JSON…", "导出 JSON…";
    ExportCsv => "Export CSV…", "导出 CSV…";
    Settings => "Settings", "设置";
    Search => "Search tickets", "搜索工单";
    SearchHint => "Search number, title, requester, text… (Ctrl+F)", "搜索编号、标题、报告人、描述…（Ctrl+F）";
    Filters => "Filters", "筛选";
    StatusLabel => "Status", "状态";
    PriorityLabel => "Priority", "优先级";
    CategoryLabel => "Category", "类别";
    AssigneeLabel => "Assignee", "处理人";
    SlaLabel => "SLA", "SLA";
    Any => "Any", "全部";
    OpenOnly => "Open only", "仅未解决";
    Unassigned => "Unassigned", "未分配";
    SlaAtRisk => "At risk or breached", "即将超时或已超时";
    SlaBreached => "Breached", "已超时";
    TicketCount => "{} tickets", "共 {} 个工单";
    Loading => "Loading…", "加载中…";
    NoMatches => "No tickets match.", "没有符合条件的工单。";
    ClearFilters => "Clear filters", "清除筛选";
    EmptyStoreTitle => "No tickets yet", "还没有工单";
    EmptyStoreBody => "Create the first ticket, or load sample tickets to try Stepwise.", "新建第一个工单，或加载示例工单来试用。";
    LoadSamples => "Load sample tickets", "加载示例工单";
    SelectTicket => "Select a ticket in the list, or create a new one (Ctrl+N).", "在左侧列表中选择工单，或新建工单（Ctrl+N）。";
    StoreFailedTitle => "The ticket database cannot be opened", "无法打开工单数据库";
    Retry => "Retry", "重试";
    // Ticket fields
    FieldTitle => "Title", "标题";
    FieldRequester => "Requester", "报告人";
    FieldDepartment => "Department", "部门";
    FieldContact => "Contact", "联系方式";
    FieldLocation => "Location", "地点";
    FieldSystem => "Affected system", "受影响系统";
    FieldVersion => "Version", "版本";
    FieldDescription => "Description (symptom, exact error text)", "问题描述（现象、错误原文）";
    FieldExpectation => "Expected outcome", "用户期望";
    FieldImpact => "Business impact", "业务影响";
    FieldUrgency => "Urgency", "紧迫度";
    FieldImpactGrade => "Impact", "影响范围";
    FieldReportedAt => "Reported", "报告时间";
    ReportedAtHint => "YYYY-MM-DD HH:MM, empty = now", "YYYY-MM-DD HH:MM，留空为现在";
    ReportedAtInvalid => "Use YYYY-MM-DD HH:MM, between 2000-01-01 and now", "请按 YYYY-MM-DD HH:MM 填写，时间须在 2000-01-01 与现在之间";
    FieldCreatedAt => "Opened", "创建时间";
    FieldTier => "Support tier", "支持级别";
    Required => "{} is required", "请填写{}";
    TooLong => "{} is too long (at most {} characters)", "{}过长（最多 {} 个字符）";
    CreateTicket => "Create ticket", "创建工单";
    Cancel => "Cancel", "取消";
    SaveChanges => "Save changes", "保存修改";
    Revert => "Revert", "撤销修改";
    NewTicketHeading => "New ticket", "新建工单";
    PriorityFollows => "Priority (from urgency and impact): {}", "优先级（由紧迫度和影响范围得出）：{}";
    // Detail
    Details => "Details", "详细信息";
    Workflow => "Workflow", "处理流程";
    MoveTo => "Move to:", "转为：";
    AssignTo => "Assign to", "分配给";
    Assign => "Assign", "分配";
    AssignToMe => "Assign to me", "分配给我";
    Escalate => "Escalate", "升级";
    EscalationReason => "Reason for escalation (handover context)", "升级原因（交接说明）";
    Resolution => "Resolution", "解决方案";
    SaveResolution => "Save resolution", "保存解决方案";
    Satisfaction => "Satisfaction", "满意度";
    SatisfactionComment => "Requester's comment", "用户评价";
    RecordRating => "Record rating", "记录评分";
    Notes => "Internal notes", "内部备注";
    AddNote => "Add note", "添加备注";
    NoteHint => "Diagnosis steps, findings…", "诊断步骤、发现…";
    Timeline => "History", "处理记录";
    SlaResponseLeft => "Response due in {}", "{} 内需响应";
    SlaResolutionLeft => "Resolution due in {}", "{} 内需解决";
    SlaResponseOverdue => "Response overdue by {}", "响应已超时 {}";
    SlaResolutionOverdue => "Resolution overdue by {}", "解决已超时 {}";
    SlaPaused => "SLA paused (waiting on user)", "SLA 已暂停（等待用户）";
    SlaStopped => "SLA stopped", "SLA 已停止";
    Tier => "Tier {}", "{} 线";
    // Status, priority, category, grade names
    StatusNew => "New", "新建";
    StatusAssigned => "Assigned", "已分配";
    StatusInProgress => "In progress", "处理中";
    StatusWaiting => "Waiting on user", "等待用户";
    StatusResolved => "Resolved", "已解决";
    StatusClosed => "Closed", "已关闭";
    PriorityUrgent => "Urgent", "紧急";
    PriorityImportant => "Important", "重要";
    PriorityNormal => "Normal", "一般";
    CategoryHardware => "Hardware", "硬件";
    CategorySoftware => "Software", "软件";
    CategoryNetwork => "Network", "网络";
    CategoryDatabase => "Database", "数据库";
    CategoryAccount => "Account / access", "账号与权限";
    CategoryOther => "Other", "其他";
    GradeHigh => "High", "高";
    GradeMedium => "Medium", "中";
    GradeLow => "Low", "低";
    // Timeline entries
    EventCreated => "opened the ticket", "创建了工单";
    EventImported => "imported the ticket", "导入了工单";
    ImportedFrom => "imported from {} by {} on {}", "从 {} 导入，导入人 {}，时间 {}";
    EventFieldChanged => "changed {}", "修改了{}";
    EventClassification => "changed the classification", "修改了分类";
    EventStatus => "moved it from {} to {}", "将状态从{}改为{}";
    EventAssignee => "assigned it to {}", "分配给 {}";
    EventEscalated => "escalated it to tier {}: {}", "升级到 {} 线：{}";
    EventNote => "added a note", "添加了备注";
    EventResolution => "set the resolution", "填写了解决方案";
    EventSatisfaction => "rated it {}/5", "评分 {}/5";
    Nobody => "nobody", "无人";
    // Profile and settings
    ProfileHeading => "Who is using this console?", "请填写您的工程师资料";
    ProfileBody => "Your name appears in ticket history and is what users see when you ask to share their screen.", "您的姓名会记录在工单历史中，并在请求共享屏幕时显示给用户。";
    ProfileName => "Your name", "姓名";
    ProfileTeam => "Team", "团队";
    Save => "Save", "保存";
    Language => "Language", "语言";
    FollowSystem => "Follow system", "跟随系统";
    DataFolder => "Data folder", "数据目录";
    SlaPolicy => "SLA targets (response / resolution)", "SLA 目标（响应 / 解决）";
    Close => "Close", "关闭";
    // Notices
    Created => "Created {}", "已创建 {}";
    Saved => "Saved", "已保存";
    SamplesLoaded => "Loaded {} sample tickets", "已加载 {} 个示例工单";
    Exported => "Exported {} tickets to {}", "已导出 {} 个工单到 {}";
    ImportedNotice => "Imported {} tickets ({} already present)", "已导入 {} 个工单（{} 个已存在）";
    TranscriptNotSaved => "The session transcript could not be saved ({}): {}. It was not recorded; the session must not go on unrecorded.", "会话记录无法保存（{}）：{}。该事件未被记录；会话不能在无记录的情况下继续。";
    Dismiss => "Dismiss", "关闭提示";
    Engineer => "Engineer", "工程师";
    // Console polish (issue 10)
    ContactEmailHint => "This does not look like an e-mail address (name@example.com)", "这看起来不像有效的电子邮件地址（例如 name@example.com）";
    FileDialogUnavailable => "No file dialog is available on this system. Type the file's path instead.", "此系统没有可用的文件对话框，请直接输入文件路径。";
    FilePath => "File path", "文件路径";
    ImportTitle => "Import tickets", "导入工单";
    ExportJsonTitle => "Export tickets as JSON", "将工单导出为 JSON";
    ExportCsvTitle => "Export tickets as CSV", "将工单导出为 CSV";
    ImportButton => "Import", "导入";
    ExportButton => "Export", "导出";
    PathRequired => "Type the file's path first", "请先输入文件路径";
    SampleData => "Sample data", "示例数据";
    NoGuideMatches => "No guide matches", "没有匹配的指南";
    EndSessionConfirm => "End the session? The user's screen sharing and chat stop for both of you.", "确定结束会话吗？双方的屏幕共享和聊天都会停止。";
    EndSessionYes => "Yes, end the session", "确定结束";
    WrongCodeLastAttempt => "A wrong code came from {} (one more wrong attempt burns the code)", "来自 {} 的连接码错误（再错 1 次连接码将作废）";
}

/// Fills `{}` placeholders in order.
pub fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    let mut args = args.iter();
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        out.push_str(args.next().copied().unwrap_or(""));
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
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
            fill(Text::SourceMonitor.get(lang), &[&number.to_string(), &width.to_string(), &height.to_string()])
        }
        SourceLabel::WholeScreen { width, height } => {
            fill(Text::SourceWholeScreen.get(lang), &[&width.to_string(), &height.to_string()])
        }
        SourceLabel::RecordedFrames { dir } => {
            fill(Text::SourceRecordedFrames.get(lang), &[&dir.display().to_string()])
        }
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

    #[test]
    fn every_string_exists_in_both_languages_with_matching_placeholders() {
        for text in Text::ALL {
            let (en, zh) = (text.get(Lang::En), text.get(Lang::Zh));
            assert!(!en.is_empty() && !zh.is_empty(), "{text:?}");
            assert_eq!(en.matches("{}").count(), zh.matches("{}").count(), "{text:?}");
        }
    }

    #[test]
    fn locale_detection() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::from_locale("zh-Hans"), Lang::Zh);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
    }

    #[test]
    fn fill_replaces_in_order() {
        assert_eq!(fill("{} of {}", &["1", "2"]), "1 of 2");
        assert_eq!(fill("none", &["x"]), "none");
        assert_eq!(fill("{} {}", &["only"]), "only ");
    }
}
