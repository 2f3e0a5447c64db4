/**
 * Short reason codes for a failed delivery, in the vocabulary Sisimai uses (so the conformance run
 * can compare them): the diagnostic text decides first because it is more specific than the status
 * code, then the enhanced status code, then the permanence alone.
 */
const TEXT_RULES: Array<[string, RegExp]> = [
  ['feedback', /feedback-type/i],
  ['vacation', /\b(?:out of (?:the )?office|on vacation|auto(?:matic)?[- ]?reply)\b/i],
  ['hasmoved', /\bhas (?:been )?moved\b|\bno longer (?:valid|in use|with)\b.*\bnew address\b/i],
  [
    'requireptr',
    /\b(?:no|missing|cannot find your) (?:ptr|reverse (?:dns|hostname))|reverse (?:dns|lookup) (?:fail|required)|\brdns\b|does not have (?:a )?ptr|ptr record/i,
  ],
  [
    'authfailure',
    /\b(?:spf|dkim|dmarc)\b.{0,60}\b(?:fail|reject|policy|not pass|authentication)|\bauthentication (?:fail|required)|5\.7\.(?:23|26|27)\b/i,
  ],
  ['virusdetected', /\bvirus\b|\bmalware\b|\binfected\b/i],
  ['spamdetected', /\bspam\b|\bjunk mail\b|\bunsolicited\b|\bbulk mail\b|content.{0,20}rejected as/i],
  ['badreputation', /\breputation\b|\bsender score\b/i],
  [
    'blocked',
    /\b(?:blacklist|blocklist|black list|block list|dnsbl|rbl|spamhaus|spamcop|barracuda)\b|\bblocked\b.{0,40}\b(?:ip|host|address|connection)|\bip\b.{0,30}\bblocked|client host .{0,40}rejected|access denied.{0,20}ip|\bpoor reputation\b/i,
  ],
  ['toomanyconn', /\btoo many (?:connections|sessions|concurrent)\b|connection limit/i],
  [
    'speeding',
    /\brate limit|\btoo many (?:messages|emails|recipients per)|\bsending rate\b|\btry (?:again )?later.{0,20}\brate\b/i,
  ],
  [
    'mesgtoobig',
    /\b(?:message|mail) (?:size )?(?:is )?too (?:big|large)|\bexceeds? (?:the )?(?:maximum )?(?:message )?size|size limit|message size/i,
  ],
  [
    'mailboxfull',
    /\b(?:mailbox|mail ?box|inbox|account|user|disk|folder)\b.{0,30}\b(?:full|over ?quota|quota exceeded|exceeded (?:its|the|storage))|\bover ?quota\b|\bquota (?:exceeded|full)|insufficient (?:disk )?space|\bstorage (?:full|allocation)/i,
  ],
  ['exceedlimit', /\bexceed(?:s|ed)? (?:the )?(?:limit|storage)|\blimit exceeded/i],
  [
    'suspend',
    /\b(?:account|mailbox|user)\b.{0,30}\b(?:disabled|suspended|inactive|deactivated|locked|expired|not active|has been disabled|is disabled)|\bdisabled (?:account|mailbox|recipient)/i,
  ],
  [
    'userunknown',
    /\b(?:user|recipient|mailbox|address|account|addressee)\b.{0,40}\b(?:unknown|not (?:found|exist|exists|known|valid|available|listed)|does(?: not|n'?t) exist|no such|invalid|nonexistent|non-existent|unavailable|rejected)|\bno such (?:user|mailbox|recipient|address|account|person)|\bunknown (?:user|recipient|local|mailbox|address|alias)|\binvalid (?:recipient|mailbox|address|user)|\bnot our customer\b|\bunrouteable address\b|\bno mailbox\b|\bbad destination mailbox|\bno longer (?:available|active|exists|used|valid)|\brecipient not found/i,
  ],
  [
    'hostunknown',
    /\b(?:host|domain)\b.{0,30}\b(?:unknown|not found|does not exist|no such|not exist|lookup failed|unrouteable|unroutable)|\bunknown (?:host|domain)|\bno (?:mx|a) record|\bname or service not known|\bnxdomain\b|host not found|domain (?:name )?(?:not found|lookup failed)|unrouteable mail domain|domain is not (?:configured|valid)/i,
  ],
  [
    'norelaying',
    /\brelay(?:ing)? (?:access )?(?:denied|not (?:permitted|allowed))|\bnot permitted to relay|\bunable to relay|\bwe do not relay|relaying (?:denied|disallowed)/i,
  ],
  [
    'expired',
    /\b(?:delivery )?(?:time|period)? ?(?:expired|exceeded)\b|\bretry timeout exceeded|\bgave up\b|\bcould not be delivered for \d+|\bmessage (?:has been )?(?:delayed|queued) (?:for )?(?:too long|more than)|\btoo long in (?:the )?queue|\bmaximum time|\bdeferred (?:for|too)/i,
  ],
  [
    'networkerror',
    /\b(?:connection (?:timed out|refused|reset|closed|lost)|network (?:is )?unreachable|no route to host|loop(?:ing)? detected|mail loop|too many hops|routing loop)\b/i,
  ],
  [
    'filtered',
    /\bfilter(?:ed)?\b|\bnot (?:authori[sz]ed|allowed) to (?:send|receive)|\brefused by|\bdelivery not authori[sz]ed|\bnot accepting mail from/i,
  ],
  ['policyviolation', /\bpolicy\b|\bprohibited\b|\bnot allowed\b|\bviolat/i],
  ['securityerror', /\b(?:tls|starttls|ssl|certificate|encryption)\b.{0,40}\b(?:required|fail)|\bsecurity\b/i],
  ['contenterror', /\b(?:content|attachment|header|mime)\b.{0,30}\b(?:rejected|not allowed|invalid|illegal)/i],
  ['syntaxerror', /\bsyntax error\b|\bcommand unrecognized\b|\bbad sequence/i],
  [
    'notaccept',
    /\bdoes not accept (?:any )?mail|\bnull mx\b|\bnot accept(?:ing)? (?:mail|messages)|\bno mail(?:s)? accepted/i,
  ],
  ['systemfull', /\bsystem (?:storage )?full|\binsufficient system storage/i],
  [
    'rejected',
    /\b(?:sender|envelope[- ]from|mail from)\b.{0,40}\b(?:rejected|denied|refused|invalid|unknown|blocked)|\baddress rejected\b/i,
  ],
  [
    'systemerror',
    /\b(?:system|server|internal|local|temporary|configuration) (?:error|failure|problem)|\bmailer error|\bhost (?:is )?down/i,
  ],
];

const STATUS_RULES: Record<string, string> = {
  '1.1': 'userunknown',
  '1.0': 'userunknown',
  '1.2': 'hostunknown',
  '1.3': 'userunknown',
  '1.4': 'userunknown',
  '1.5': 'userunknown',
  '1.6': 'hasmoved',
  '1.7': 'rejected',
  '1.8': 'rejected',
  '1.10': 'notaccept',
  '2.0': 'mailboxfull',
  '2.1': 'suspend',
  '2.2': 'mailboxfull',
  '2.3': 'exceedlimit',
  '2.4': 'systemerror',
  '3.0': 'systemerror',
  '3.1': 'systemfull',
  '3.2': 'notaccept',
  '3.3': 'systemerror',
  '3.4': 'mesgtoobig',
  '3.5': 'systemerror',
  '4.0': 'networkerror',
  '4.1': 'networkerror',
  '4.2': 'networkerror',
  '4.3': 'systemerror',
  '4.4': 'hostunknown',
  '4.5': 'networkerror',
  '4.6': 'networkerror',
  '4.7': 'expired',
  '5.0': 'syntaxerror',
  '5.1': 'syntaxerror',
  '5.2': 'syntaxerror',
  '5.3': 'syntaxerror',
  '5.4': 'syntaxerror',
  '5.5': 'syntaxerror',
  '6.0': 'contenterror',
  '7.0': 'securityerror',
  '7.1': 'rejected',
  '7.2': 'rejected',
  '7.7': 'securityerror',
  '7.8': 'securityerror',
  '7.9': 'securityerror',
  '7.13': 'suspend',
  '7.17': 'suspend',
  '7.18': 'suspend',
  '7.20': 'authfailure',
  '7.21': 'authfailure',
  '7.22': 'authfailure',
  '7.23': 'authfailure',
  '7.24': 'authfailure',
  '7.25': 'requireptr',
  '7.26': 'authfailure',
  '7.27': 'notaccept',
};

export function bounceReason(status: string | null, diagnostic: string): string {
  const text = diagnostic.replace(/\s+/g, ' ');
  if (text) for (const [reason, re] of TEXT_RULES) if (re.test(text)) return reason;
  if (status) {
    const m = /^[245]\.(\d{1,3}\.\d{1,3})$/.exec(status);
    const reason = m ? STATUS_RULES[m[1]] : undefined;
    if (reason) return reason;
  }
  return 'onhold';
}

/** Enhanced status code (X.Y.Z) in a text, first one wins. */
export function findStatusCode(text: string): string | null {
  const m = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text);
  return m ? m[1] : null;
}

/** Permanent (5xx) or temporary (4xx), from a status code or SMTP reply code, or wording. */
export function isPermanent(status: string | null, text: string): boolean {
  if (status) return status.startsWith('5');
  const reply = /\b([45])\d\d[ -]/.exec(text);
  if (reply) return reply[1] === '5';
  return !/\b(?:will (?:be )?retr(?:y|ied)|still (?:trying|undelivered)|delayed|temporar(?:y|ily)|deferred|not yet been delivered)\b/i.test(
    text,
  );
}
