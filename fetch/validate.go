package fetch

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"pressfeed"
)

// ValidateSource checks the parts of src only fetch can judge: the html
// selectors, attributes, date layout and follow count, the platform or
// template a pin names, the include and exclude rules and max_age. It returns a pressfeed.ValidationError whose
// fields name the keys ("html.item", "include[2].regexp", "max_age"), or nil.
// config.ValidateSource calls it, so settings files, the admin page and the
// API all share it.
func ValidateSource(src pressfeed.Source) error {
	var errs pressfeed.ValidationError
	switch {
	case src.Type == pressfeed.TypeHTML && src.HTML == nil:
		errs = append(errs, pressfeed.FieldError{Field: "html", Reason: `is required for type = "html": at least html.item, a CSS selector for each news item`})
	case src.Type == pressfeed.TypeFeed && src.HTML != nil:
		errs = append(errs, pressfeed.FieldError{Field: "html", Reason: `is only read for type = "html" or "auto"`})
	case src.HTML != nil:
		errs = appendFieldErrors(errs, compileSpecErr(src.HTML))
	}
	if kind, name, ok := strings.Cut(src.Pin, ":"); ok && src.Type == pressfeed.TypeAuto {
		known := Platforms
		if kind == pressfeed.StrategyTemplate {
			known = Templates()
		}
		if name != "" && !slices.Contains(known, name) {
			errs = append(errs, pressfeed.FieldError{Field: "pin", Reason: fmt.Sprintf("%q is not a known %s: one of %s", name, kind, strings.Join(known, ", "))})
		}
	}
	if src.Pin == pressfeed.StrategySelectors && src.HTML == nil && src.Type == pressfeed.TypeAuto {
		errs = append(errs, pressfeed.FieldError{Field: "pin", Reason: `"selectors" needs html: at least html.item`})
	}
	_, err := CompileRules(src)
	errs = appendFieldErrors(errs, err)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func compileSpecErr(s *pressfeed.HTMLSpec) error {
	_, err := compileSpec(s)
	return err
}

func appendFieldErrors(errs pressfeed.ValidationError, err error) pressfeed.ValidationError {
	var v pressfeed.ValidationError
	if errors.As(err, &v) {
		return append(errs, v...)
	}
	return errs
}
