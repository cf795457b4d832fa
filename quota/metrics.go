package quota

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports each structure's pool as gauges: used, reserved and limit
// bytes, labelled by structure (a bounded set: one series per establishment). It
// reads the accounts at scrape time, at most every 30 seconds.
type Collector struct {
	db                  *pgxpool.Pool
	used, reserved, lim *prometheus.Desc
	mu                  sync.Mutex
	cached              []Usage
	readAt              time.Time
}

// NewCollector exports the pools of the database's structures.
func NewCollector(pool *pgxpool.Pool) *Collector {
	labels := []string{"structure"}
	return &Collector{
		db:       pool,
		used:     prometheus.NewDesc("cartable_quota_structure_used_bytes", "Bytes charged to the structure's pool.", labels, nil),
		reserved: prometheus.NewDesc("cartable_quota_structure_reserved_bytes", "Bytes reserved by uploads in flight.", labels, nil),
		lim:      prometheus.NewDesc("cartable_quota_structure_limit_bytes", "The structure's pool (absent when unlimited).", labels, nil),
	}
}

// Describe sends the descriptions of the gauges.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.used
	ch <- c.reserved
	ch <- c.lim
}

// Collect sends the gauges' current values.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, u := range c.pools() {
		ch <- prometheus.MustNewConstMetric(c.used, prometheus.GaugeValue, float64(u.Used), u.StructureID)
		ch <- prometheus.MustNewConstMetric(c.reserved, prometheus.GaugeValue, float64(u.Reserved), u.StructureID)
		if u.Limit != nil {
			ch <- prometheus.MustNewConstMetric(c.lim, prometheus.GaugeValue, float64(*u.Limit), u.StructureID)
		}
	}
}

func (c *Collector) pools() []Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.readAt) < 30*time.Second {
		return c.cached
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := c.db.Query(ctx, `SELECT `+usageColumns+` FROM quota_accounts WHERE kind = 'structure' ORDER BY id`)
	if err != nil {
		return c.cached
	}
	pools, err := pgx.CollectRows(rows, scanUsage)
	if err != nil {
		return c.cached
	}
	c.cached, c.readAt = pools, time.Now()
	return pools
}
