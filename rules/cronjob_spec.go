package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

var cronJobSpec = &lint.Rule{
	ID:       "cronjob-spec",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "A CronJob needs a valid schedule, time zone and concurrency policy",
	Doc: "schedule is a standard five-field cron expression (minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week " +
		"0-6 or SUN-SAT; '*', '?', lists, ranges and '/' steps) or a descriptor such as @hourly, @daily or @every 1h. The time zone goes in " +
		"timeZone (an IANA name such as Europe/Paris, not Local), never as TZ= or CRON_TZ= in the schedule. concurrencyPolicy is Allow (the " +
		"default), Forbid or Replace; startingDeadlineSeconds and the history limits may not be negative.",
	Remediation: "Write the schedule as five cron fields and set the time zone in timeZone.",
	Fields:      []string{"spec.schedule", "spec.timeZone", "spec.concurrencyPolicy", "spec.startingDeadlineSeconds"},
	Check: func(p *lint.Pass) {
		cj, ok := p.Object.Typed.(*batchv1.CronJob)
		if !ok {
			return
		}
		s := &cj.Spec
		sp := p.Object.Path("spec")
		if s.Schedule == "" {
			p.Report(sp.Child("schedule"), field.ErrorTypeRequired, nil, "a CronJob needs a schedule", "Set schedule, e.g. \"*/5 * * * *\".")
		} else {
			if err := parseCron(s.Schedule); err != nil {
				p.Report(sp.Child("schedule"), field.ErrorTypeInvalid, s.Schedule, fmt.Sprintf("schedule %q is not a valid cron expression: %v", s.Schedule, err), "")
			}
			if strings.Contains(s.Schedule, "TZ") {
				p.Report(sp.Child("schedule"), field.ErrorTypeInvalid, s.Schedule, "cannot use TZ or CRON_TZ in schedule, use the timeZone field instead", "Move the zone into spec.timeZone.")
			}
		}
		nonNegative(p, sp.Child("startingDeadlineSeconds"), s.StartingDeadlineSeconds)
		if tz := s.TimeZone; tz != nil {
			checkTimeZone(p, *tz, sp.Child("timeZone"))
		}
		switch s.ConcurrencyPolicy {
		case "", batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
		default:
			notSupported(p, sp.Child("concurrencyPolicy"), string(s.ConcurrencyPolicy), "concurrencyPolicy", []string{"Allow", "Forbid", "Replace"})
		}
		nonNegative(p, sp.Child("successfulJobsHistoryLimit"), s.SuccessfulJobsHistoryLimit)
		nonNegative(p, sp.Child("failedJobsHistoryLimit"), s.FailedJobsHistoryLimit)
	},
}

var timeZonePart = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

func checkTimeZone(p *lint.Pass, tz string, path *field.Path) {
	if tz == "" {
		p.Report(path, field.ErrorTypeInvalid, tz, "timeZone must be left out or name a time zone", "")
		return
	}
	for _, part := range strings.Split(tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !timeZonePart.MatchString(part) {
			p.Report(path, field.ErrorTypeInvalid, tz, fmt.Sprintf("unknown time zone %s", tz), "Use an IANA time zone name such as Etc/UTC.")
			return
		}
	}
	if strings.EqualFold(tz, "Local") {
		p.Report(path, field.ErrorTypeInvalid, tz, "timeZone must be an explicit IANA time zone: Local would depend on the controller manager's host", "Use an IANA name such as Etc/UTC.")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		p.Report(path, field.ErrorTypeInvalid, tz, fmt.Sprintf("unknown time zone %s", tz), "Use an IANA time zone name such as Etc/UTC.")
	}
}

// cronField is one of the five fields: its bounds and optional names.
type cronField struct {
	name     string
	min, max int
	names    map[string]int
}

var cronFields = []cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}},
	{name: "day of week", min: 0, max: 6, names: map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}},
}

// parseCron accepts what the CronJob controller's standard cron parser accepts:
// an optional TZ=/CRON_TZ= prefix, a descriptor, or five fields.
func parseCron(s string) error {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			return fmt.Errorf("missing fields after the time zone")
		}
		if _, err := time.LoadLocation(s[strings.IndexByte(s, '=')+1 : i]); err != nil {
			return fmt.Errorf("provided bad location %s: %v", s[strings.IndexByte(s, '=')+1:i], err)
		}
		s = strings.TrimSpace(s[i:])
	}
	if strings.HasPrefix(s, "@") {
		switch s {
		case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
			return nil
		}
		if d, ok := strings.CutPrefix(s, "@every "); ok {
			if _, err := time.ParseDuration(d); err != nil {
				return fmt.Errorf("failed to parse duration %s: %v", s, err)
			}
			return nil
		}
		return fmt.Errorf("unrecognized descriptor: %s", s)
	}
	fields := strings.Fields(s)
	if len(fields) != 5 {
		return fmt.Errorf("expected exactly 5 fields, found %d: %s", len(fields), s)
	}
	for i, f := range fields {
		for _, part := range strings.Split(f, ",") {
			if err := parseCronPart(part, cronFields[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseCronPart(part string, f cronField) error {
	rng, step, hasStep := strings.Cut(part, "/")
	lo, hi := f.min, f.max
	switch {
	case rng == "*" || rng == "?":
	default:
		a, b, isRange := strings.Cut(rng, "-")
		var err error
		if lo, err = cronValue(a, f); err != nil {
			return err
		}
		hi = lo
		if isRange {
			if hi, err = cronValue(b, f); err != nil {
				return err
			}
		} else if hasStep {
			hi = f.max
		}
	}
	if hasStep {
		n, err := strconv.Atoi(step)
		if err != nil || n <= 0 {
			return fmt.Errorf("failed to parse int from %s", step)
		}
	}
	if lo < f.min {
		return fmt.Errorf("beginning of range (%d) below minimum (%d): %s", lo, f.min, part)
	}
	if hi > f.max {
		return fmt.Errorf("end of range (%d) above maximum (%d): %s", hi, f.max, part)
	}
	if lo > hi {
		return fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", lo, hi, part)
	}
	return nil
}

func cronValue(s string, f cronField) (int, error) {
	if v, ok := f.names[strings.ToLower(s)]; ok {
		return v, nil
	}
	n, err := strconv.ParseUint(s, 10, 0)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %v", s, err)
	}
	return int(n), nil
}
