// Package buildinfo names the build a chii process runs and what hangs off that name.
package buildinfo

import "runtime/debug"

// Version is the build's version: the main module's version, or its VCS revision, or "dev".
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return s.Value[:12]
		}
	}
	return "dev"
}

// RedisPrefix is the prefix of the keys the server's caches keep in Redis (its cache and the
// shared tier of rendered answers, with the channel of their invalidations): "chii:<version>:".
// One namespace per build, so an instance never reads what another build rendered; the canal
// worker invalidates under the same prefix, so it must run the servers' build.
func RedisPrefix() string { return "chii:" + Version() + ":" }
