package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/ports"
)

func TestFamily(t *testing.T) {
	for path, want := range map[string]string{
		"/v0/subjects/{subject_id}/persons":             "subjects",
		"/v0/persons/{person_id}":                       "persons",
		"/v0/users/{username}/collections/-/characters": "users",
		"/v0/characters/{character_id}/collect":         "characters",
		"/openapi.json":                                 "", // not a /v0 route: no bulkhead
	} {
		if got := family(path); got != want {
			t.Errorf("family(%q) = %q, want %q", path, got, want)
		}
	}
}

// blockingPersons holds every Get until released.
type blockingPersons struct {
	ports.PersonRepository
	entered chan struct{}
	release chan struct{}
}

func (b *blockingPersons) Get(ctx context.Context, id uint32) (person.Person, error) {
	b.entered <- struct{}{}
	<-b.release
	return b.PersonRepository.Get(ctx, id)
}

// TestBulkhead: with every slot of the persons family taken by requests stuck in the
// database, another person request answers 503 with Retry-After after the bulkhead wait, and a
// subject request is served at once.
func TestBulkhead(t *testing.T) {
	const slots = 2
	var persons *blockingPersons
	api := newTestAPI(t, func(d *Deps, st *inmem.Store) {
		d.DatabaseSlots = slots
		persons = &blockingPersons{PersonRepository: st.Persons(), entered: make(chan struct{}, 10), release: make(chan struct{})}
		d.Persons.Persons = persons
	})
	var wg sync.WaitGroup
	for i := range slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = serve(api.h, newGet("/v0/persons/"+itoa(1+i)), "chii-test/1.0")
		}()
	}
	for range slots {
		select {
		case <-persons.entered:
		case <-time.After(5 * time.Second):
			t.Fatal("the blocking requests did not reach the repository within 5 s")
		}
	}
	if w := api.get(t, "/v0/subjects/8"); w.Code != http.StatusOK {
		t.Errorf("a subject request while the persons family is full = %d, want 200", w.Code)
	}
	w := api.get(t, "/v0/persons/3")
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("a person request with the family full = %d (Retry-After %q), want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	close(persons.release)
	waitDone(t, &wg, 5*time.Second)
	if w := api.get(t, "/v0/persons/3"); w.Code != http.StatusOK {
		t.Errorf("after the slots are free = %d, want 200", w.Code)
	}
	if !errors.Is(errBusy, domain.ErrUnavailable) {
		t.Error("errBusy is not a domain.ErrUnavailable")
	}
}
