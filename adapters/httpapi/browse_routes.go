package httpapi

// browseRoutes lists GET /v0/subjects (browse) and the pages outside /v0 (/, the docs page).
func (s *server) browseRoutes() []route { return nil }
