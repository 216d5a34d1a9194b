import { createApp } from 'vue';
import { createPinia } from 'pinia';
import AppShell from './AppShell.vue';
import './styles/base.css';

createApp(AppShell).use(createPinia()).mount('#app');
