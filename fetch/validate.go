package fetch

import (
	"errors"

	"pressfeed"
)

// ValidateSource checks the parts of src only fetch can judge: the html
// selectors, attributes, date layout and follow count, the include and
// exclude rules and max_age. It returns a pressfeed.ValidationError whose
// fields name the keys ("html.item", "include[2].regexp", "max_age"), or nil.
// config.ValidateSource calls it, so settings files, the admin page and the
// API all share it.
func ValidateSource(src pressfeed.Source) error {
	var errs pressfeed.ValidationError
	switch {
	case src.Type == pressfeed.TypeHTML && src.HTML == nil:
		errs = append(errs, pressfeed.FieldError{Field: "html", Reason: `is required for type = "html": at least html.item, a CSS selector for each news item`})
	case src.Type != pressfeed.TypeHTML && src.HTML != nil:
		errs = append(errs, pressfeed.FieldError{Field: "html", Reason: `is only read for type = "html"`})
	case src.HTML != nil:
		errs = appendFieldErrors(errs, compileSpecErr(src.HTML))
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
