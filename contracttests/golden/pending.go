package golden

// Pending lists the route families of the corpus that chii does not serve yet, each with the
// number of the issue that serves it. The replays do not send their cases (they would only
// record chii's catch-all 404): they count them as pending, by family, and fail when a family is
// neither served nor pending, or is pending although the router already serves it. An issue
// that adds a route removes its family here, which makes every recorded answer of the family
// binding.
var Pending = map[string]int{}

// IsPending reports whether c waits for an issue: its family is on Pending, or it comes after
// a case of such a family in the same write sequence (group), whose effect it reads.
func (c Case) IsPending() bool { return c.PendingIssue != 0 }

// markPending sets PendingIssue on the cases of pending families (family → issue) and on the
// later cases of their groups (cases in corpus order).
func markPending(cases []Case, pending map[string]int) {
	blocked := map[string]int{} // group → issue of its first pending case
	for i := range cases {
		c := &cases[i]
		if issue, ok := pending[c.Family]; ok {
			c.PendingIssue = issue
		} else if issue, ok := blocked[c.Group]; ok && c.Group != "" {
			c.PendingIssue = issue
		}
		if c.PendingIssue != 0 && c.Group != "" {
			if _, ok := blocked[c.Group]; !ok {
				blocked[c.Group] = c.PendingIssue
			}
		}
	}
}
