# Stepwise UI text, English.
# Message ids are the `Text` variants of src/ui/i18n/keys.rs in kebab-case; `$arg1`, `$arg2`, … are the
# arguments of `Text::fill` in order (an integer argument is a number, for plural selectors).
app-title = Stepwise

## Remote session, engineer side
remote-session = Remote session
start-remote-session = Start remote session
start-session-hint = Ask the user to share their screen: start a session, then give them the code.
viewer-waiting-consent = Waiting for the user's consent to see the screen
viewer-paused = Paused by the user
show-older-entries = Show older entries ({ $arg1 } more)
transcript-saved-again = The session transcript is saved again; the session goes on.
held-transcript = On hold: this console cannot write the session's record right now (its database is busy or full). Nothing is shared, drawn or asked until it can.
user-held-transcript = On hold: the engineer's console cannot record this session right now. Nothing of your screen is shared until it can.
ev-session-held = Session on hold: the transcript could not be written
ev-session-unheld = Hold ended: the transcript is written again
viewer-stopped = The user stopped sharing. Nothing of their screen is kept here.
viewer-paused-cleared = Paused by the user. The picture is hidden until they resume.
viewer-view-scope-removed = The user no longer allows you to see the screen.
viewer-ended = The session is over. Nothing of the user's screen is kept here.
screenshot-needs-record = Screenshots need the user's consent to record this session.
ask-again-in = The user said no. You can ask again in { $arg1 } s.
not-ask-again = The user asked not to be asked again in this session.
dont-ask-again = Don't ask again in this session
you-refused-for-good = You said no. Nothing was shared, and you will not be asked again in this session.
engineer-kept-screenshot = { $arg1 }: the engineer kept a screenshot of your screen (you allowed recording).
receipt-screenshot = Screenshot kept by the engineer
viewer-live = Live
viewer-fit = Fit
viewer-one-to-one = 1:1
take-screenshot = Take screenshot
viewer-stats = { $arg1 } fps · { $arg2 } ms · { $arg3 } kbit/s · { $arg4 } skipped
ev-screenshot = Screenshot attached: { $arg1 }
ev-recording-saved = Session recorded: { $arg1 } s, { $arg2 } MB (chain head { $arg3 }…)
ev-recording-recovered = Recording recovered after the console stopped: { $arg1 } s, { $arg2 } MB (chain head { $arg3 }…)
tool-arrow = Arrow
tool-highlight = Highlight
arrow-label = Label
undo-arrow = Undo
fades-after = Fades after
fade10s = 10 s
fade30s = 30 s
fade1min = 1 min
fade-never = never
clear-arrows = Clear all
arrows-mode = Drag on the picture to point. Arrows appear in the user's Get-help window over a picture of their screen.
arrows-mode-because = Drag on the picture to point. Arrows appear in the user's Get-help window over a picture of their screen, not on the screen itself: { $arg1 }
arrows-on-your-screen = The engineer's arrows appear right on your screen. They never catch your clicks, and vanish when you pause or stop.
arrows-in-this-window = The engineer's arrows appear in the picture of your screen below.
arrows-overlay-mode = Drag on the picture to point. Arrows are drawn on the user's own screen, exactly over the spot.
arrows-not-allowed = The user has not allowed arrows on their screen.
guided-steps = Guided steps
step-instruction = Instruction
step-expected-input = Expected result (optional)
add-step = Add step
attach-arrow = with the last arrow
attach-step-arrow = with the step's arrow
step-points-at = This step points at the screen with an arrow { $arg1 }
step-arrow-kept = Points at the screen (arrow { $arg1 })
remove-step-arrow = Remove the arrow
send-next-step = Send next step
resend-step = Resend
skip-step = Skip
edit-step = Save edit and resend
step-draft = not sent
step-waiting = waiting for the user…
step-skipped-state = skipped
step-answered-state = { $arg1 } after { $arg2 } s
ev-arrow-drawn = Pointed at the user's screen
ev-arrow-removed = Took an arrow back
ev-arrows-cleared = Cleared the arrows
ev-step-sent = Step { $arg1 } of { $arg2 } sent: { $arg3 }
ev-step-edited = Step { $arg1 } edited: { $arg2 }
ev-step-skipped = Step skipped
ev-step-confirmed = answered: { $arg1 } ({ $arg2 } s)
step-history = earlier: didn't work { $arg1 } · stuck { $arg2 }
move-up = Move up
move-down = Move down
remove-step = Remove step
guide-title = Guide title
save-as-guide = Save steps as a guide
save-guide-changes = Save changes to the guide
save-guide-changes-hint = Replace the steps of “{ $arg1 }” in the knowledge base with these (answer counts follow unchanged steps)
guide-saved-notice = Saved to the knowledge base
knowledge-base = Knowledge base
new-guide = New guide
pick-a-guide = Pick a guide on the left to read or edit it, or write a new one.
no-guides-found = No guide matches.
step-count = { $arg1 ->
        [one] { $arg1 } step
       *[other] { $arg1 } steps
    }
guide-language = Language
guide-tags = Tags (separated by spaces)
guide-steps = Steps
step-answers = done { $arg1 } · didn't work { $arg2 } · stuck { $arg3 }
save-guide = Save guide
delete-guide = Remove guide
confirm-delete-guide = Remove this guide and its answer counts?
guide-deleted-notice = Removed from the knowledge base
guide-needs-title = A guide needs a title.
guide-step-needs-instruction = Every step needs an instruction.
find-guide = Find a guide
find-button = Find
load-guide = Use: { $arg1 }
phrase-greeting = Hello, this is {"{"}name{"}"} from the service desk. I'm here to help with your ticket.
phrase-update = I'll check this and update you within 15 minutes.
phrase-save-work = Before we start, please save your work and close documents you don't need.
phrase-closing = It works now. I'll close the ticket; thank you for your patience!
phrases = Phrases
chat-phrases-setting = Chat phrases ({ $arg1 }), one per line
network-heading = Remote sessions: where users connect
session-port = Session port (UDP)
any-free-port = any free port
advertised-host = Address in join links
this-computer = this computer's address
network-hint = Applies to sessions started from now on. Further sessions at the same time take the next ports. --session-port and --advertise on the command line take precedence.
save-network = Save network settings
network-saved = Network settings saved; new sessions use them.
port-invalid = "{ $arg1 }" is not a port number (1–65535, or empty for any free port).
save-phrases = Save phrases
start-new-session = Start a new session
join-code-label = Join code
join-link-label = Join link
address-label = Address
copy = Copy
copied = Copied
code-expires-in = Code works for { $arg1 }
tell-user-code = Read the code to the user, or send the link.
link-waiting = Waiting for the user to join…
link-connected = Connected to { $arg1 }
link-reconnecting = Reconnecting…
link-ended = Session ended: { $arg1 }
link-closed = Session closed
wrong-code-attempt = A wrong code came from { $arg1 } ({ $arg2 ->
        [one] { $arg2 } more wrong attempt burns the code
       *[other] { $arg2 } more wrong attempts burn the code
    })
code-burned-notice = The code was burned after too many wrong attempts. Issue a new code, or start a new session.
code-expired-notice = The code expired before anyone joined. Issue a new code, or start a new session.
new-code = New code
new-code-hint = Replace the code for this session: the old one stops working at once.
attempts-heading = Wrong codes came from:
attempts-from-source = { $arg1 }: { $arg2 } wrong
source-blocked = { $arg1 }: { $arg2 } wrong, shut out
actor-user = User
actor-user-claim = User (says: { $arg1 })
actor-system = System
consent-label = Consent
consent-not-requested = Not requested yet
consent-waiting = Waiting for the user's answer…
consent-granted-live = Granted, live: { $arg1 }
consent-unknown-reconnecting = Unknown until the link is back (nothing is shared meanwhile)
consent-granted-paused = Granted, paused by the user: { $arg1 }
consent-denied-state = The user said no
consent-revoked-state = The user withdrew consent
purpose-label = Why you need to see the screen
purpose-hint = e.g. Check the printer settings with you
ask-consent = Ask for consent
chat-label = Chat
chat-hint = Type a message…
send = Send
end-session = End session
you-said = You
scope-view = See my screen
scope-pointers = Show pointers and arrows on my screen
scope-record = Record this session
scopes-none = nothing

## Get help, user side
get-help = Get help
get-help-intro-short = Not an engineer? If a support engineer gave you a code, choose Get help.
get-help-title = Get help from an engineer
get-help-intro = Your support engineer gave you a code and an address (or a link). Nothing on your screen is shared until you say yes.
enter-code = Code (9 digits)
enter-address = Address (host:port)
or-paste-link = …or paste the link
connect = Connect
connecting = Connecting…
code-not-right = That code is not right. Check the digits and try again ({ $arg1 ->
        [one] { $arg1 } attempt left
       *[other] { $arg1 } attempts left
    }).
code-burned-user = This code no longer works (too many wrong tries). Ask your engineer for a new one.
code-expired-user = This code has expired. Ask your engineer for a new one.
code-used-user = This code was already used. Ask your engineer for a new one.
not-the-engineer = The other side could not prove it is your engineer. Nothing was shared.
cannot-reach = Cannot reach the engineer: { $arg1 }
invalid-code-or-address = Enter the 9-digit code and the address, or paste the whole link.
connected-waiting = Connected to { $arg1 }. Waiting for the engineer's request…
consent-question = { $arg1 } from { $arg2 } wants to see your screen
consent-for-ticket = For ticket { $arg1 }: { $arg2 }
consent-purpose = Reason: { $arg1 }
consent-choose = Choose what you allow:
allow = Allow
dont-allow = Don't allow
sharing-now = Sharing with { $arg1 }: { $arg2 }
sharing-paused-now = Sharing paused
pause-sharing = Pause sharing
resume-sharing = Resume sharing
stop-sharing = Stop sharing
sharing-bar-title = Stepwise – sharing

## The compact sharing bar and the Get-help window's settings.
bar-can-see = { $arg1 } can see: { $arg2 }
bar-recording = Recording
bar-drag-hint = Drag the bar to move it
you-refused = You said no. Nothing was shared.
you-stopped = You stopped sharing. Nothing more is shared.
session-over = The session is over: { $arg1 }
leave = Close
back-to-desk = Back to the ticket desk
my-receipts = My consent receipts
receipts-empty = No consent decisions recorded yet.
receipts-file = Saved in { $arg1 }
engineer-label = Engineer
ev-session-started = Remote session started (code issued)
ev-pairing-succeeded = joined the session
ev-wrong-code = A wrong join code was entered ({ $arg1 ->
        [one] { $arg1 } attempt left
       *[other] { $arg1 } attempts left
    })
ev-wrong-code-from = A wrong join code came from { $arg1 } ({ $arg2 } from there; { $arg3 ->
        [one] { $arg3 } more burns the code
       *[other] { $arg3 } more burn the code
    })
ev-wrong-code-blocked = A wrong join code came from { $arg1 } ({ $arg2 } from there: shut out; { $arg3 ->
        [one] { $arg3 } more burns the code
       *[other] { $arg3 } more burn the code
    })
ev-code-renewed = A new join code was issued; the old one no longer works
ev-code-burned = The join code was burned after too many wrong attempts
ev-code-expired = The join code expired
ev-consent-requested = Asked for consent: { $arg1 }
ev-consent-granted = Consent granted: { $arg1 }
ev-consent-denied = Consent refused
ev-scopes-changed = changed what is allowed: { $arg1 }
ev-sharing-paused = paused sharing
ev-sharing-resumed = resumed sharing
ev-consent-revoked = withdrew consent
ev-chat = Chat: { $arg1 }
ev-disconnected = Connection lost
ev-reconnected = Reconnected after { $arg1 } s
ev-session-ended = Session ended: { $arg1 }

## Words: reasons as codes, timeline wording, screenshots (polish-words).
end-engineer-ended = the engineer ended it
end-user-stopped = the user stopped it
end-timeout = no answer for 30 seconds
end-reconnect-window-expired = the connection did not come back within { $arg1 } seconds
end-protocol-violation = the other side broke the rules of the session: { $arg1 }
end-incompatible-version = the other side runs protocol version { $arg1 }
with-detail = { $arg1 } ({ $arg2 })
violation-undecodable = a message could not be read
violation-out-of-bounds = a message was beyond the limits
violation-before-hello = a message arrived before the greeting
violation-unexpected-hello = an unexpected greeting arrived
violation-over-limit = the other side sent too much or too fast
violation-asked-after-dont-ask-again = consent was requested again after the user asked not to be asked
violation-asked-too-soon = consent was requested again too soon after the user said no
violation-asked-while-in-force = consent was requested while a request or consent was in force
violation-decision-without-request = a consent answer arrived without a request
violation-scopes-without-consent = the allowed scopes changed without consent
violation-pause-without-consent = sharing was paused or resumed without consent
violation-step-before-answer = a new step arrived before the current one was answered
violation-screenshot-without-record = a screenshot was kept without consent to record
violation-not-allowed = a message arrived that the other side may not send
no-overlay-screen-not-captured = the screen cannot be captured here
no-overlay-not-live-screen = the user shares recorded frames or the built-in picture, not the live screen
no-overlay-outside-desktop = the shared monitor lies outside the desktop's coordinates
no-overlay-unavailable = arrows cannot be drawn over this screen
no-overlay-failed = drawing over the screen failed
rule-assignee-before-assigned = choose an assignee before marking the ticket assigned
rule-resolution-before-resolved = write the resolution before resolving the ticket
rule-assigned-needs-assignee = an assigned ticket needs an assignee; move it back to new first
rule-highest-tier = the ticket is already at the highest tier ({ $arg1 })
rule-reopen-before-escalating = reopen the ticket before escalating it
rule-resolution-kept = a resolved ticket keeps its resolution; reopen it first
rule-rating-out-of-range = a satisfaction rating is 1 to 5, not { $arg1 }
rule-rating-before-resolved = ask for a rating once the ticket is resolved
sla-minutes = { $arg1 } min / { $arg2 } min
countdown-days-hours = { $arg1 }d { $arg2 }h
countdown-hours-minutes = { $arg1 }h { $arg2 }m
countdown-minutes = { $arg1 }m
ev-consent-requested-no-reason = Asked for consent (no reason given)
ev-arrow-drawn-label = Pointed at the user's screen: “{ $arg1 }”
ev-step-confirmed-comment = answered: { $arg1 } ({ $arg2 } s), saying “{ $arg3 }”
event-field-changed-from-to = changed { $arg1 } from “{ $arg2 }” to “{ $arg3 }”
empty = (empty)
show-screenshot = Show
screenshot-title = Screenshot { $arg1 }
screenshot-loading = Loading the picture…
screenshot-unreadable = The picture cannot be shown: { $arg1 }
screenshot-size = { $arg1 }×{ $arg2 } pixels
screenshot-not-saved = The screenshot could not be saved: { $arg1 }
what-is-shared = What will be shared: { $arg1 }
source-monitor = Screen { $arg1 } ({ $arg2 }×{ $arg3 })
source-whole-screen = Whole screen ({ $arg1 }×{ $arg2 })
source-recorded-frames = Recorded frames from { $arg1 } (not your live screen)
source-demo-picture = Built-in demo picture (not your live screen)
capture-wayland-only = this is a Wayland session, and sharing a Wayland screen is not supported yet
capture-no-display = there is no graphical display here
no-screen-share = Your screen cannot be shared from here ({ $arg1 }). You can still chat.
private-areas = Private areas
private-areas-hint = Drag over the picture to hide a part of your screen; it is blacked out before anything is sent.
clear-private-areas = Show everything again
step-of = Step { $arg1 } of { $arg2 }
step-expected = You should now see: { $arg1 }
step-comment = Comment (optional)
step-done = Done
step-didnt-work = Didn't work
step-stuck = I'm stuck
change-what-i-allow = What I allow
new-ticket = New ticket
import = Import…
export-json = Export JSON…
export-csv = Export CSV…
settings = Settings
search = Search tickets
search-hint = Search number, title, requester, text… (Ctrl+F)
filters = Filters
status-label = Status
priority-label = Priority
category-label = Category
assignee-label = Assignee
sla-label = SLA
any = Any
open-only = Open only
unassigned = Unassigned
sla-at-risk = At risk or breached
sla-breached = Breached
ticket-count = { $arg1 ->
        [one] { $arg1 } ticket
       *[other] { $arg1 } tickets
    }
loading = Loading…
no-matches = No tickets match.
clear-filters = Clear filters
empty-store-title = No tickets yet
empty-store-body = Create the first ticket, or load sample tickets to try Stepwise.
load-samples = Load sample tickets
select-ticket = Select a ticket in the list, or create a new one (Ctrl+N).
store-failed-title = The ticket database cannot be opened
retry = Retry

## Ticket fields
field-title = Title
field-requester = Requester
field-department = Department
field-contact = Contact
field-location = Location
field-system = Affected system
field-version = Version
field-description = Description (symptom, exact error text)
field-expectation = Expected outcome
field-impact = Business impact
field-urgency = Urgency
field-impact-grade = Impact
field-reported-at = Reported
reported-at-hint = YYYY-MM-DD HH:MM, empty = now
reported-at-invalid = Use YYYY-MM-DD HH:MM, between 2000-01-01 and now
field-created-at = Opened
field-tier = Support tier
required = { $arg1 } is required
too-long = { $arg1 } is too long (at most { $arg2 ->
        [one] { $arg2 } character
       *[other] { $arg2 } characters
    })
create-ticket = Create ticket
cancel = Cancel
save-changes = Save changes
revert = Revert
new-ticket-heading = New ticket
priority-follows = Priority (from urgency and impact): { $arg1 }

## Detail
details = Details
workflow = Workflow
move-to = Move to:
assign-to = Assign to
assign = Assign
assign-to-me = Assign to me
escalate = Escalate
escalation-reason = Reason for escalation (handover context)
resolution = Resolution
save-resolution = Save resolution
satisfaction = Satisfaction
satisfaction-comment = Requester's comment
record-rating = Record rating
notes = Internal notes
add-note = Add note
note-hint = Diagnosis steps, findings…
timeline = History
sla-response-left = Response due in { $arg1 }
sla-resolution-left = Resolution due in { $arg1 }
sla-response-overdue = Response overdue by { $arg1 }
sla-resolution-overdue = Resolution overdue by { $arg1 }
sla-paused = SLA paused (waiting on user)
sla-stopped = SLA stopped
tier = Tier { $arg1 }

## Status, priority, category, grade names
status-new = New
status-assigned = Assigned
status-in-progress = In progress
status-waiting = Waiting on user
status-resolved = Resolved
status-closed = Closed
priority-urgent = Urgent
priority-important = Important
priority-normal = Normal
category-hardware = Hardware
category-software = Software
category-network = Network
category-database = Database
category-account = Account / access
category-other = Other
grade-high = High
grade-medium = Medium
grade-low = Low

## Timeline entries
event-created = opened the ticket
event-imported = imported the ticket
imported-from = imported from { $arg1 } by { $arg2 } on { $arg3 }
event-field-changed = changed { $arg1 }
event-classification = changed the classification
event-status = moved it from { $arg1 } to { $arg2 }
event-assignee = assigned it to { $arg1 }
event-escalated = escalated it to tier { $arg1 }: { $arg2 }
event-note = added a note
event-resolution = set the resolution
event-satisfaction = rated it { $arg1 }/5
event-survey-answered = the user's survey: { $arg1 }/5, problem solved: { $arg2 }, explanations easy to understand: { $arg3 }
event-survey-answered-comment = the user's survey: { $arg1 }/5, problem solved: { $arg2 }, explanations easy to understand: { $arg3 } ("{ $arg4 }")
event-survey-skipped = the user skipped the survey
event-survey-closed = the user closed the window without answering the survey
event-survey-lost = the link ended before the survey was answered
answer-yes = yes
answer-partly = partly
answer-no = no
summary-heading = Session summary
summary-hint = Drafted from the session's transcript. Edit it, then save it to the ticket.
summary-duration = Remote session of { $arg1 } ({ $arg2 }–{ $arg3 }) with { $arg4 }.
summary-granted = { $arg1 } the user allowed: { $arg2 }
summary-changed = { $arg1 } the user changed what is allowed to: { $arg2 }
summary-denied = { $arg1 } the user did not allow sharing
summary-paused = { $arg1 } the user paused sharing
summary-resumed = { $arg1 } the user resumed sharing
summary-revoked = { $arg1 } the user stopped sharing
summary-steps = Steps: { $arg1 } sent, { $arg2 } done, { $arg3 } did not work or stuck:
summary-step-comment = { $arg1 } ("{ $arg2 }")
summary-step-skipped = skipped
summary-step-unanswered = not answered
summary-arrows = Arrows and highlights shown: { $arg1 }
summary-screenshots = Screenshots kept: { $arg1 }
summary-reconnects = The connection dropped and came back: { $arg1 } ×
summary-recording = Recording kept: { $arg1 }
summary-save-note = Save as note
summary-save-resolution = Save as resolution
summary-saved = Saved to the ticket.
survey-waiting = Waiting for the user's answer to the short survey…
survey-none-short = No survey: the session was shorter than a minute.
rating-by-engineer = entered by the engineer
rating-by-user = The user's own survey
duration-seconds = { $arg1 } s
duration-minutes = { $arg1 } min { $arg2 } s
user-summary-heading = What was done on your computer
user-summary-intro = { $arg1 } helped you for { $arg2 }.
user-summary-seen = You let { $arg1 } see your screen.
user-summary-not-seen = Your screen was not shared.
user-summary-arrows = { $arg1 } pointed at things on your screen { $arg2 ->
        [one] once
       *[other] { $arg2 } times
    }.
user-summary-paused = You paused sharing { $arg1 ->
        [one] once
       *[other] { $arg1 } times
    }.
user-summary-steps-heading = The steps you did:
user-summary-screenshots = { $arg1 } kept { $arg2 ->
        [one] one picture
       *[other] { $arg2 } pictures
    } of your screen (you allowed this).
user-summary-recorded = The session was recorded (you allowed this).
user-summary-nothing-kept = Nothing of your screen was kept.
user-summary-save = Save as a file…
user-summary-saved = Saved: { $arg1 }
receipt-summary = Summary of what was done: { $arg1 }
survey-title = A short survey (optional)
survey-solved = Was your problem solved?
survey-rating = How satisfied are you? (1 = not at all, 5 = very)
survey-clear = Were the explanations easy to understand?
survey-comment = Comment (optional)
survey-send = Send answers
survey-skip = Skip
survey-incomplete = Answer the three questions, or choose Skip.
survey-thanks = Thank you! Your answers were sent.
survey-skipped-note = You skipped the survey.
survey-not-sent = The connection has ended, so your answers could not be sent.
nobody = nobody

## Profile and settings
profile-heading = Who is using this console?
profile-body = Your name appears in ticket history and is what users see when you ask to share their screen.
profile-name = Your name
profile-team = Team
save = Save
language = Language
follow-system = Follow system
data-folder = Data folder
sla-policy = SLA targets (response / resolution)
close = Close

## Notices
created = Created { $arg1 }
saved = Saved
samples-loaded = Loaded { $arg1 ->
        [one] { $arg1 } sample ticket
       *[other] { $arg1 } sample tickets
    }
exported = Exported { $arg1 ->
        [one] { $arg1 } ticket
       *[other] { $arg1 } tickets
    } to { $arg2 }
imported-notice = Imported { $arg1 ->
        [one] { $arg1 } ticket
       *[other] { $arg1 } tickets
    } ({ $arg2 } already present)
transcript-not-saved = The session transcript could not be saved ({ $arg1 }): { $arg2 }. It was not recorded; the session must not go on unrecorded.
dismiss = Dismiss
engineer = Engineer

## Console polish (issue 10)
contact-email-hint = This does not look like an e-mail address (name@example.com)
file-dialog-unavailable = No file dialog is available on this system. Type the file's path instead.
file-path = File path
import-title = Import tickets
export-json-title = Export tickets as JSON
export-csv-title = Export tickets as CSV
import-button = Import
export-button = Export
path-required = Type the file's path first
sample-data = Sample data
no-guide-matches = No guide matches
end-session-confirm = End the session? The user's screen sharing and chat stop for both of you.
end-session-yes = Yes, end the session
wrong-code-last-attempt = A wrong code came from { $arg1 } (one more wrong attempt burns the code)

## Reports (issue 13)
reports = Reports
reports-title = Reports
report-from = From (YYYY-MM-DD)
report-to = To (YYYY-MM-DD)
report-all = All
report-engineer-filter = Engineer
report-compute = Show report
report-computing = Computing the report…
report-bad-date = Dates are written YYYY-MM-DD, and the start comes before the end
report-failed = The report could not be computed: { $arg1 }
report-export-csv = Export CSV
report-export-png = Export PNG
report-export-pdf = Export PDF
report-exported = Saved to { $arg1 }
report-export-failed = Could not save { $arg1 }: { $arg2 }
report-period = { $arg1 } to { $arg2 }
chart-opened = Tickets opened per week
chart-closed = Tickets closed per week
chart-backlog = Open tickets by age
chart-sla = SLA attainment by priority
chart-breaches = SLA breaches
chart-resolve-time = Time to resolve by category
chart-summary = First-contact resolution and satisfaction
chart-csat-trend = Satisfaction per week
chart-engineers = Per engineer
chart-failing-steps = Guide steps that most often fail
col-week = Week
col-total = Total
col-age = Age
age-under-one-day = 0–1 days
age-one-to-three = 1–3 days
age-three-to-seven = 3–7 days
age-over-seven = > 7 days
col-priority = Priority
col-response-met = Responses in time
col-response-missed = Responses late
col-response-percent = Response attainment %
col-resolution-met = Resolutions in time
col-resolution-missed = Resolutions late
col-resolution-percent = Resolution attainment %
col-ticket = Ticket
col-title = Title
col-deadline = Deadline
col-overdue = Overdue by
col-still-open = Still open
col-category = Category
col-resolved = Resolved
col-mean-hours = Mean (hours)
col-p90-hours = 90th percentile (hours)
col-measure = Measure
col-value = Value
fcr-resolved = Tickets resolved
fcr-first-contact = Resolved at first contact (≤ 1 session, not reopened within 7 days)
fcr-reopened = Reopened within 7 days
fcr-percent = First-contact resolution %
csat-offered = Surveys offered
csat-answered = Surveys answered
csat-response-percent = Response rate %
csat-survey-ratings = Ratings from the user's survey
csat-manual-ratings = Ratings entered by the engineer
csat-satisfied-percent = Rated 4–5 %
csat-clear-percent = Explanations easy to understand %
col-mean-rating = Mean rating
col-engineer = Engineer
col-open-tickets = Open tickets
col-sessions = Sessions
col-session-hours = Session hours
col-guide = Guide
col-step = Step
col-instruction = Instruction
col-didnt-work = Didn't work
col-stuck = Stuck
col-answers = Answers
col-failed-percent = Failed %
report-no-rows = Nothing in this range
report-steps-undated = Answers in the range only: { $arg1 } answers recorded before answers were dated are not counted
report-time-zone = Days and weeks in
report-local-time = Local time ({ $arg1 })
report-utc = UTC
report-generated = Monthly report
report-filters = Filters: { $arg1 }
deadline-response = First response
deadline-resolution = Resolution
ev-recording-deleted = Recording deleted by hand (chain head { $arg1 }…)
ev-recording-expired = Recording deleted: its retention period ended (chain head { $arg1 }…)
ev-recording-exported = Recording exported as { $arg1 }: { $arg2 } ({ $arg3 ->
        [0] nothing blacked out
        [one] { $arg3 } rectangle blacked out
       *[other] { $arg3 } rectangles blacked out
    }, source chain head { $arg4 }…)
export-video = Export video…
export-video-title = Export video
export-video-format = Format
export-video-file = Save as
export-video-choose = Choose…
export-video-length = Recording: { $arg1 } s, picture { $arg2 }×{ $arg3 }
export-video-loading-preview = Loading the picture…
export-video-preview-failed = The picture cannot be shown: { $arg1 }
export-video-preview = Picture of the recording: drag on it to black out a rectangle
export-video-redactions = Black out: drag a rectangle on the picture, or add one
export-video-add-rect = Add rectangle
export-video-no-redactions = Nothing is blacked out
export-video-rect = Rectangle { $arg1 }
export-video-from = from (s)
export-video-to = to (s)
export-video-remove = Remove
export-video-start = Export
export-video-cancel = Cancel export
export-video-running = Exporting… { $arg1 } %
export-video-done = Video written: { $arg1 }
export-video-failed = The export failed: { $arg1 }
export-video-cancelled = The export was cancelled; nothing was written
export-video-no-ffmpeg = ffmpeg is not installed: install it with “sudo apt install ffmpeg” (Debian, Ubuntu) and export again
export-video-empty-rect = Rectangle { $arg1 } is empty
export-video-outside = Rectangle { $arg1 } reaches outside the { $arg2 }×{ $arg3 } picture
export-video-empty-range = Rectangle { $arg1 }: “from” must come before “to”
export-video-after-end = Rectangle { $arg1 } starts after the recording ends ({ $arg2 } s)
export-video-too-many = At most { $arg1 } rectangles per export
export-video-no-picture = The recording holds no picture
session-history = Session history
session-history-none = No remote sessions yet.
session-history-line = { $arg1 } · { $arg2 } · { $arg3 } min
session-history-scopes = Scopes granted: { $arg1 }
session-history-steps = Steps: { $arg1 } of { $arg2 } confirmed
session-history-survey = Survey: { $arg1 }/5
session-history-no-survey = Survey: not answered
session-history-recording = Recording: { $arg1 } MB, { $arg2 } s, { $arg3 }
recording-sealed = sealed
recording-recovered-status = recovered
delete-recording = Delete recording
recording-retention-days = Keep recordings (days)
receipt-recording = Recording allowed

save-retention = Save retention
jargon-hint = “{ $arg1 }” may be jargon — plain words: “{ $arg2 }”
use-plain-words = Use plain words
glossary-setting = Plain words for jargon ({ $arg1 }), one per line: term = plain phrase
save-glossary = Save glossary
csat-hints-accepted = Plain-words hints taken / offered
# Session workspace
workspace-ticket-details = Ticket details
workspace-back-to-session = Back to the session workspace
workspace-pop-out = Pop out
workspace-dock-back = Dock back
workspace-popped-out = This session is open in its own window.
workspace-full-screen = Full screen
workspace-leave-full-screen = Leave full screen
workspace-tab-steps = Steps
workspace-tab-chat = Chat
workspace-tab-transcript = Transcript
workspace-transcript-empty = Nothing recorded in this session yet.
workspace-window-title = { $arg1 } — remote session
show-tickets = Show tickets (Ctrl+B)
hide-tickets = Hide tickets (Ctrl+B)
session-tabs = Sessions:
badge-waiting = waiting
badge-connected = connected
badge-live = live
badge-paused = paused
badge-reconnecting = reconnecting
badge-not-responding = not responding
badge-held = on hold
tab-unseen-hint = New since you looked: { $arg1 } chat messages, { $arg2 } step answers
tab-unseen-joined = The user joined
window-title-unseen = ({ $arg1 }) Stepwise
workspace-no-picture-yet = The user's screen appears here once they allow you to see it.

# Review player
player-title = Recording of { $arg1 }
play-recording = Play recording
player-opening = Opening the recording…
player-cannot-open = This recording cannot be played: { $arg1 }
player-play = Play
player-pause = Pause
player-speed = Playback speed
player-time = { $arg1 } / { $arg2 }
player-integrity-checking = Checking integrity…
player-integrity-verified = Verified
player-integrity-recovered = Recovered after a crash
player-integrity-modified-at = Modified at record { $arg1 }
player-integrity-cut-at = Modified: cut short at record { $arg1 }
player-integrity-other-head = Modified: does not match the ticket's record
player-integrity-unknown = Cannot verify: { $arg1 }
player-save-frame = Save frame as screenshot
player-export-video = Export video…
player-keys-hint = Space: play/pause · ← →: 5 s · , .: frame
player-chapter-step-sent = Step { $arg1 } of { $arg2 } sent
player-chapter-step-answered = Step answered: { $arg1 }
player-chapter-consent = Consent or scopes changed
player-chapter-chat = Chat message
player-chapter-at = { $arg1 } at { $arg2 }
player-gap-paused = Paused by the user: nothing was recorded
player-gap-stopped = Stopped by the user: nothing was recorded
player-gap-scope = Recording not allowed: nothing was recorded
player-gap-disconnected = Connection lost: nothing was recorded
player-gap-hold = Session on hold: nothing was recorded
player-picture-at = Recorded screen at { $arg1 }
player-frame-error = This moment cannot be shown: { $arg1 }
player-no-picture = No picture at this moment
player-step-card = Step { $arg1 } of { $arg2 }
player-step-skipped = Skipped
player-step-answer = Answer: { $arg1 } { $arg2 }
player-search = Search the transcript
player-no-matches = No matching moments
player-matches = Matching moments: { $arg1 }
player-transcript = Transcript
# Remote control
scope-control = Let the engineer use my mouse and keyboard
ev-control-requested = asked to use the mouse and keyboard
ev-control-declined = did not allow control of the mouse and keyboard
ev-control-granted = let the engineer use the mouse and keyboard
ev-control-revoked = took back control
ev-control-taken-back = used their own mouse or keyboard (the engineer's input waited)
ev-guidance-only-on = switched to guidance only (no live screen; a still on request)
ev-guidance-only-off = switched back to the live screen
ev-control-input-counted = { $arg1 } input events in one minute
control-active-bar = The engineer is controlling your computer
take-back-control = Take back control ({ $arg1 })
control-request-title = The engineer asks to use your mouse and keyboard
control-request-hint = You can take control back at any time: press { $arg1 }, click “Take back control”, or simply use your own mouse or keyboard.
allow-control = Allow control
decline-control = Don't allow
control-held-by-you = You are using your computer — the engineer's input waits
control-scope-hint = Only on the shared screen. Take it back any time with { $arg1 }.
control-toggle = Control
request-control = Ask for control
control-request-waiting = Waiting for the user to allow control…
control-declined-notice = The user did not allow control.
control-taken-back-notice = The user is using their computer; your input waits.
control-on-hint = Your mouse and keyboard act on the user's screen over the live view.
special-keys = Special keys
send-ctrl-alt-del = Send Ctrl+Alt+Del
send-super-key = Send the Super (Windows) key
send-alt-tab = Send Alt+Tab
send-escape = Send Esc
receipt-control-granted = You let the engineer use your mouse and keyboard
receipt-control-revoked = You took back control
receipt-control-taken-back = You used your own mouse or keyboard while the engineer had control
ev-clipboard-shared = sent clipboard text ({ $arg1 } characters)
send-my-clipboard = Send my clipboard
clipboard-from-user = The user sent text from their clipboard ({ $arg1 } characters).
clipboard-from-engineer = The engineer sent you text ({ $arg1 } characters).
copy-to-my-clipboard = Copy to my clipboard
monitor-menu = Monitor
monitor-entry = Monitor { $arg1 } ({ $arg2 })
monitor-shared = — shared now
monitor-request-waiting = Waiting for the user to switch monitors…
monitor-declined-notice = The user kept the current monitor.
monitor-request-title = The engineer asks to see another monitor: { $arg1 }
monitor-request-hint = That monitor would be shared instead of the one shared now. Nothing changes unless you agree.
switch-monitor = Share that monitor
keep-monitor = Keep the current one
ev-monitor-requested = asked to see monitor { $arg1 }
ev-monitor-accepted = switched the shared screen to monitor { $arg1 }
ev-monitor-declined = kept the current monitor (asked: monitor { $arg1 })
thumbnail-unavailable = (picture unavailable)
session-screenshots = Screenshots:

## Guidance-only mode
guidance-only-toggle = Guidance only
guidance-only-toggle-hint = No live picture: the user's screen is sent only when you ask for a still. Arrows and steps work as before.
guidance-show-screen-now = Show me your screen now
guidance-still-waiting = Waiting for the picture…
guidance-still-age = Picture taken { $arg1 } s ago
guidance-no-still-yet = Guidance only: no picture yet. Ask for one with “Show me your screen now”.
guidance-proposal = The connection is very slow (below 150 kbit/s for 10 seconds). Switch to guidance only? No live picture; a still when you ask; arrows and steps as before.
guidance-switch = Switch
guidance-keep-live = Keep live
assist-mode-live = Live: the engineer sees your screen as it changes.
assist-mode-guidance-only = Guidance only: your screen is not streamed. The engineer sees one picture only when they ask; their arrows still appear on your screen.
assist-use-guidance-only = Use guidance only (slow connection)
assist-back-to-live = Back to live
