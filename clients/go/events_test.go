package wakubot

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"testing"
)

func TestLatestEventID(t *testing.T) {
	many := make([]int64, 0, 5000)
	for i := int64(1); i <= 7000; i++ {
		if i%7 != 0 {
			many = append(many, i+300) // a pruned start and gaps
		}
	}
	cases := [][]int64{nil, {1}, {5}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {3, 100000}, {1 << 40}, {2, 1<<40 + 1}, many, {1024, 1025, 2048}}
	for _, ids := range cases {
		ids := ids
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		t.Run(fmt.Sprint(len(ids)), func(t *testing.T) {
			f, c := newFakeBot(t, func(w http.ResponseWriter, r *http.Request) {
				after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
				if r.URL.Query().Get("limit") != "1" {
					t.Errorf("limit %q", r.URL.Query().Get("limit"))
				}
				for _, id := range ids {
					if id > after {
						answer(200, fmt.Sprintf(`{"events":[{"id":%d,"type":"sent","createdAt":1,"data":{}}]}`, id))(w, r)
						return
					}
				}
				answer(200, `{"events":[]}`)(w, r)
			})
			got, err := c.LatestEventID(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := int64(0)
			if len(ids) > 0 {
				want = ids[len(ids)-1]
			}
			if got != want {
				t.Errorf("LatestEventID = %d, want %d", got, want)
			}
			if n := len(f.all()); n > 100 {
				t.Errorf("%d requests", n)
			}
		})
	}
}
