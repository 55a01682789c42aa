package httpapi

import "net/http"

// tagUser is the OpenAPI tag of the profile endpoints, as in bangumi's document.
const tagUser = "用户"

var (
	errUsernameTooLong = errorResponse{http.StatusBadRequest, "用户名不少于 32 字节", "username is too long"}
	errNoSuchUser      = errorResponse{http.StatusNotFound, "用户不存在（描述中的用户名按 Go 的规则加引号）", `can't find user with username "sai"`}
)

// userRoutes lists the user endpoints: /v0/me, /v0/users/{username}, its avatar.
//
// None is cached by the ResponseCache (each answer is rendered for its request, with an ETag):
// /v0/me is per viewer; a profile changes with chii_members, and no writer reports member
// changes yet (the canal worker's chii_members handler, issue 12, is to call
// Changed(EntityUser)), so a kept answer could outlive a new avatar or sign. bangumi reads the
// member row on every request too (http-v0-more.md §0.5). The handlers already name the member
// they show (dependsOn 'u'): caching is `cached: true` once the invalidation exists.
func (s *server) userRoutes() []route {
	return []route{
		{
			method: http.MethodGet, path: "/v0/me", handler: s.getMe,
			doc: operation{
				id: "getMyself", tag: tagUser, summary: "获取当前用户",
				description: "返回 access token 所属用户的资料，含邮箱、注册时间与时区偏移。未登录时返回 401 need Login。",
				success:     response{status: http.StatusOK, body: Me{}, description: "当前用户"},
				errors: []errorResponse{
					{http.StatusUnauthorized, "未登录（need Login），或 access token 无效、已过期", "need Login"},
				},
			},
		},
		{
			method: http.MethodGet, path: "/v0/users/{username}", handler: s.getUser,
			doc: operation{
				id: "getUserByName", tag: tagUser, summary: "获取用户",
				description: "用户名不区分大小写、忽略末尾空格；返回数据库中的拼写。",
				request:     userPath{},
				success:     response{status: http.StatusOK, body: User{}, description: "用户资料"},
				errors:      []errorResponse{errUsernameTooLong, errNoSuchUser},
			},
		},
		{
			method: http.MethodGet, path: "/v0/users/{username}/avatar", handler: s.getUserAvatar,
			doc: operation{
				id: "getUserAvatarByName", tag: tagUser, summary: "获取用户头像",
				description: "重定向到指定尺寸的头像；没有头像的用户为默认头像 icon.jpg。type 必须是 small、large 或 medium，没有默认值。",
				request:     avatarRequest{},
				success: response{status: http.StatusFound, description: "重定向到头像",
					location: "头像地址，如 https://lain.bgm.tv/pic/user/l/icon.jpg"},
				errors: []errorResponse{
					{http.StatusBadRequest, "用户名不少于 32 字节，或头像尺寸不合法", "bad avatar type: huge"},
					errNoSuchUser,
				},
			},
		},
	}
}
