#!/bin/sh
# Count (or list) the rows of a CSV file whose `timestamp` lies after a reference instant.
#
# usage: flag_future_timestamps.sh [-l] FILE INGESTED_AT
#   FILE         CSV with a header naming a `timestamp` column (RFC 4180 quoting, LF or CRLF)
#   INGESTED_AT  the reference instant, in the same grammar as the column
#   -l           print the future rows' numbers (1 = first row after the header), one a line,
#                instead of their count
#
# Grammar (as platform_assets/customers/timestamps.py): YYYY-MM-DD, or a date, `T` or a space,
# HH:MM[:SS[.f]] (1-6 fraction digits) and an optional Z, +HH:MM, +HHMM or +HH. No zone = UTC.
# "Future" means strictly after INGESTED_AT. Unparseable values are named on stderr and not
# counted. Exit status: 0 done, 2 usage error, 3 no `timestamp` column. POSIX sh and awk only
# (set AWK to choose the awk, e.g. AWK="gawk --posix").
set -eu
LC_ALL=C
export LC_ALL

list=0
if [ "${1:-}" = "-l" ]; then
    list=1
    shift
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 [-l] FILE INGESTED_AT" >&2
    exit 2
fi
if [ ! -r "$1" ]; then
    echo "$0: cannot read $1" >&2
    exit 2
fi

exec ${AWK:-awk} -v list="$list" -v ingested="$2" '
function warn(msg) { print msg | "cat 1>&2" }

function days_from_civil(y, m, d,   era, yoe, doy, doe) {
    y -= (m <= 2)
    era = int(y / 400)
    yoe = y - era * 400
    doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
    doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
    return era * 146097 + doe - 719468
}

function days_in_month(y, m) {
    if (m == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28
    return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31
}

# Sets SEC (whole seconds since the epoch, UTC) and USEC; returns 0 outside the grammar.
function parse(s,   y, m, d, h, mi, sc, frac, rest, sign, zh, zm) {
    sub(/^[ \t]+/, "", s)
    sub(/[ \t]+$/, "", s)
    if (s !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]/) return 0
    y = substr(s, 1, 4) + 0; m = substr(s, 6, 2) + 0; d = substr(s, 9, 2) + 0
    h = 0; mi = 0; sc = 0; frac = ""; sign = 0; zh = 0; zm = 0
    rest = substr(s, 11)
    if (rest != "") {
        if (rest !~ /^[T ][0-9][0-9]:[0-9][0-9]/) return 0
        h = substr(rest, 2, 2) + 0; mi = substr(rest, 5, 2) + 0
        rest = substr(rest, 7)
        if (rest ~ /^:[0-9][0-9]/) {
            sc = substr(rest, 2, 2) + 0
            rest = substr(rest, 4)
            if (match(rest, /^\.[0-9]+/)) {
                frac = substr(rest, 2, RLENGTH - 1)
                rest = substr(rest, RLENGTH + 1)
                if (length(frac) > 6) return 0
            }
        }
        if (rest ~ /^[+-][0-9][0-9]$/ || rest ~ /^[+-][0-9][0-9]:?[0-9][0-9]$/) {
            sign = (substr(rest, 1, 1) == "-") ? -1 : 1
            zh = substr(rest, 2, 2) + 0
            sub(/^[+-][0-9][0-9]:?/, "", rest)
            zm = rest + 0
        } else if (rest != "" && rest != "Z") return 0
    }
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return 0
    if (h > 23 || mi > 59 || sc > 59 || zh > 23 || zm > 59) return 0
    SEC = days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + sc - sign * (zh * 3600 + zm * 60)
    USEC = substr(frac "000000", 1, 6) + 0
    return 1
}

# Splits one CSV record (quotes already balanced) into out[1..n]; returns n.
function split_csv(rec, out,   n, i, c, len, val, inq) {
    if (index(rec, "\"") == 0) return split(rec, out, ",")
    n = 1; val = ""; inq = 0; len = length(rec)
    for (i = 1; i <= len; i++) {
        c = substr(rec, i, 1)
        if (inq) {
            if (c != "\"") val = val c
            else if (substr(rec, i + 1, 1) == "\"") { val = val c; i++ }
            else inq = 0
        } else if (c == "\"") inq = 1
        else if (c == ",") { out[n++] = val; val = "" }
        else val = val c
    }
    out[n] = val
    return n
}

function quotes(s,   copy) { copy = s; return gsub(/"/, "", copy) }

BEGIN {
    if (!parse(ingested)) { warn("unparseable INGESTED_AT: " ingested); failed = 2; exit 2 }
    ING_SEC = SEC; ING_USEC = USEC
    col = 0; row = 0; future = 0; inquote = 0
}

{
    sub(/\r$/, "")
    rec = inquote ? rec "\n" $0 : $0
    # A quoted field may span lines: read on until the quotes balance.
    inquote = quotes(rec) % 2
    if (inquote) next
    if (rec == "") next  # blank lines are not rows
    if (!col) {
        if (substr(rec, 1, 3) == "\357\273\277") rec = substr(rec, 4)
        n = split_csv(rec, head)
        for (i = 1; i <= n; i++) {
            name = head[i]
            gsub(/^[ \t]+|[ \t]+$/, "", name)
            if (name == "timestamp") { col = i; break }
        }
        if (!col) { warn(FILENAME ": no timestamp column in the header"); failed = 3; exit 3 }
        next
    }
    row++
    n = split_csv(rec, f)
    value = (col <= n) ? f[col] : ""
    if (!parse(value)) { warn(FILENAME ": row " row ": unparseable timestamp \"" value "\""); next }
    if (SEC > ING_SEC || (SEC == ING_SEC && USEC > ING_USEC)) {
        future++
        if (list) print row
    }
}

END {
    if (failed) exit failed
    if (!col) { warn(FILENAME ": no header line"); exit 3 }
    if (!list) print future
}
' "$1"
