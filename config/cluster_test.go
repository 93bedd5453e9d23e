package config_test

import (
	"testing"

	"pressfeed/config"
)

func TestSourceClusterOptOut(t *testing.T) {
	cfg, err := config.Parse("s.toml", []byte(`
[[source]]
id = "joins"
name = "Joins"
kind = "force"
url = "https://a.example/feed"

[[source]]
id = "apart"
name = "Apart"
kind = "other"
url = "https://b.example/feed"
cluster = false
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := []bool{cfg.Sources[0].Clusters(), cfg.Sources[1].Clusters()}; !got[0] || got[1] {
		t.Errorf("Clusters() = %v, want [true false]", got)
	}
}

func TestSourceClusterMustBeBoolean(t *testing.T) {
	_, err := config.Parse("s.toml", []byte(`
[[source]]
id = "bad"
name = "Bad"
kind = "force"
url = "https://a.example/feed"
cluster = "no"
`))
	if err == nil {
		t.Fatal("cluster = \"no\" was accepted")
	}
	wantInError(t, err.Error(), []string{"s.toml", `source "bad"`, "cluster"})
}
