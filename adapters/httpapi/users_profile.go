package httpapi

import (
	"net/http"

	"github.com/bangumi/chii/domain/user"
)

// Avatar is the three sizes of a member's avatar (the default icon when none is set).
type Avatar struct {
	Large  string `json:"large" required:"true" example:"https://lain.bgm.tv/pic/user/l/000/00/00/1.jpg?r=1391790456"`
	Medium string `json:"medium" required:"true" example:"https://lain.bgm.tv/r/200/pic/user/l/000/00/00/1.jpg?r=1391790456"`
	Small  string `json:"small" required:"true" example:"https://lain.bgm.tv/r/100/pic/user/l/000/00/00/1.jpg?r=1391790456"`
}

func avatar(path string) Avatar {
	a := user.AvatarOf(path)
	return Avatar{Large: a.Large, Medium: a.Medium, Small: a.Small}
}

// User is a member's public profile (http-v0-more.md §3.1), keys in bangumi's order.
type User struct {
	Avatar    Avatar `json:"avatar" required:"true"`
	Sign      string `json:"sign" required:"true" description:"签名（已反转义 HTML）" example:"Awesome!"`
	URL       string `json:"url" required:"true" description:"用户主页" example:"https://bgm.tv/user/sai"`
	Username  string `json:"username" required:"true" description:"用户名，按数据库中的拼写" example:"sai"`
	Nickname  string `json:"nickname" required:"true" example:"Sai🖖"`
	ID        uint32 `json:"id" required:"true" example:"1"`
	UserGroup uint16 `json:"user_group" required:"true" description:"用户组：1 管理员、2 Bangumi 管理猿、3 天窗管理猿、4 禁言用户、5 禁止访问用户、8 人物管理猿、9 维基条目管理猿、10 用户、11 维基人" example:"10"`
}

// Me is the caller's own profile: User's keys, then the private ones.
type Me struct {
	Avatar     Avatar `json:"avatar" required:"true"`
	Sign       string `json:"sign" required:"true" description:"签名（已反转义 HTML）" example:"Awesome!"`
	URL        string `json:"url" required:"true" description:"用户主页" example:"https://bgm.tv/user/sai"`
	Username   string `json:"username" required:"true" description:"用户名，按数据库中的拼写" example:"sai"`
	Nickname   string `json:"nickname" required:"true" example:"Sai🖖"`
	ID         uint32 `json:"id" required:"true" example:"1"`
	UserGroup  uint16 `json:"user_group" required:"true" description:"用户组：1 管理员、2 Bangumi 管理猿、3 天窗管理猿、4 禁言用户、5 禁止访问用户、8 人物管理猿、9 维基条目管理猿、10 用户、11 维基人" example:"10"`
	RegTime    string `json:"reg_time" required:"true" format:"date-time" description:"注册时间" example:"2008-07-14T10:27:43Z"`
	Email      string `json:"email" required:"true" description:"邮箱地址" example:"sai@example.com"`
	TimeOffset int8   `json:"time_offset" required:"true" description:"用户设置的时区偏移（小时）；未设置时为 8" example:"8"`
}

func userProfile(u user.User) User {
	return User{
		Avatar: avatar(u.Avatar), Sign: u.Signature(), URL: u.URL(), Username: u.Username,
		Nickname: u.Nickname, ID: u.ID, UserGroup: u.GroupID,
	}
}

func meProfile(u user.User) Me {
	p := userProfile(u)
	return Me{
		Avatar: p.Avatar, Sign: p.Sign, URL: p.URL, Username: p.Username, Nickname: p.Nickname, ID: p.ID,
		UserGroup: p.UserGroup, RegTime: timestamp(u.RegTime), Email: u.Email, TimeOffset: u.TimeOffsetHours(),
	}
}

// userPath is the path parameter of the profile endpoints; unlike the collection endpoints,
// "-" is an ordinary username here.
type userPath struct {
	Username string `path:"username" required:"true" description:"用户名（设置了用户名之后无法使用 UID）；不少于 32 字节时返回 400" example:"sai"`
}

// avatarRequest asks for one size of a member's avatar.
type avatarRequest struct {
	userPath
	Type string `query:"type" required:"true" enum:"small,large,medium" description:"头像尺寸" example:"large"`
}

// getMe: GET /v0/me (http-v0-more.md §3.2). Per viewer: rendered for each request, never kept.
func (s *server) getMe(w http.ResponseWriter, r *http.Request) error {
	v := viewer(r)
	dependsOn(r, 'u', v.UserID)
	u, err := s.users.Me(r.Context(), v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meProfile(u))
	return nil
}

// getUser: GET /v0/users/{username} (§3.3).
func (s *server) getUser(w http.ResponseWriter, r *http.Request) error {
	in := userPath{Username: pathParam(r, "username")}
	u, err := s.users.Get(r.Context(), in.Username)
	if err != nil {
		return err
	}
	dependsOn(r, 'u', u.ID)
	writeJSON(w, http.StatusOK, userProfile(u))
	return nil
}

// getUserAvatar: GET /v0/users/{username}/avatar?type= (§3.4): 302 to the avatar, no
// Cache-Control (bangumi sends none).
func (s *server) getUserAvatar(w http.ResponseWriter, r *http.Request) error {
	in := avatarRequest{userPath: userPath{Username: pathParam(r, "username")}, Type: r.URL.Query().Get("type")}
	url, u, err := s.users.Avatar(r.Context(), in.Username, in.Type)
	if err != nil {
		return err
	}
	dependsOn(r, 'u', u.ID)
	redirect(w, url)
	return nil
}
