package httpapi

// userRoutes lists the user endpoints: /v0/me, /v0/users/{username}, its avatar.
func (s *server) userRoutes() []route { return nil }
