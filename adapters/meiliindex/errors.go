package meiliindex

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/meilisearch/meilisearch-go"

	"github.com/bangumi/chii/domain"
)

// classify wraps err with what was being done and, when it says that Meilisearch is down,
// unreachable, overloaded or too slow, with domain.ErrUnavailable, so that the API answers 503
// rather than 500. A caller that went away (context.Canceled) is not Meilisearch's fault and
// is left alone, as in mysqldb.
func classify(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("meiliindex: %s: %w: %w", op, domain.ErrUnavailable, err)
	}
	return fmt.Errorf("meiliindex: %s: %w", op, err)
}

func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *meilisearch.Error
	if errors.As(err, &me) {
		switch me.ErrCode {
		case meilisearch.TimeoutError, meilisearch.CommunicationError, meilisearch.MaxRetriesExceeded:
			return true
		case meilisearch.APIError, meilisearch.APIErrorWithoutMessage:
			return me.StatusCode >= 500 || me.StatusCode == http.StatusTooManyRequests
		}
	}
	return false
}

// hasCode reports whether err is Meilisearch's error code (an answer's or a task's).
func hasCode(err error, code meilisearch.APIErrCode) bool {
	if err == nil {
		return false
	}
	var me *meilisearch.Error
	if errors.As(err, &me) && me.APIError.Code == code {
		return true
	}
	var te *TaskError
	return errors.As(err, &te) && te.Code == code
}
